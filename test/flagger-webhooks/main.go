// flagger-webhooks calls a Canary's webhooks the way Flagger's scheduler does, with Flagger's own
// webhook caller (pkg/controller.CallWebhook: its payload, its HTTP client, its rule that an answer
// above 202 refuses). The Canary is read from its YAML file into Flagger's own types, strictly
// (an unknown field is an error). Each webhook's URL keeps its path and query and is sent to
// -collector instead of its host. It prints, per webhook, whether the call was answered with a yes
// (for confirm-* hooks: go on; for rollback: roll back) and Flagger's error otherwise, as JSON.
//
//	flagger-webhooks -canary FILE -collector http://127.0.0.1:9464 [-only TYPE]
//
// With -to-json it instead reads YAML documents (Flagger's CRDs) on stdin and prints them as a JSON
// array, read as Kubernetes reads YAML (sigs.k8s.io/yaml): the CRD file is not strict YAML 1.2.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	flaggerv1 "github.com/fluxcd/flagger/pkg/apis/flagger/v1beta1"
	"github.com/fluxcd/flagger/pkg/controller"
	"sigs.k8s.io/yaml"
)

type callOut struct {
	Name  string `json:"name"`
	Type  string `json:"type"`
	URL   string `json:"url"`
	Yes   bool   `json:"yes"`
	Error string `json:"error,omitempty"`
}

// The phase Flagger's scheduler sends with each kind of hook while a canary is analysed
// (pkg/controller/scheduler_hooks.go).
var phases = map[flaggerv1.HookType]flaggerv1.CanaryPhase{
	flaggerv1.ConfirmTrafficIncreaseHook: flaggerv1.CanaryPhaseProgressing,
	flaggerv1.ConfirmPromotionHook:       flaggerv1.CanaryPhaseProgressing,
	flaggerv1.RollbackHook:               flaggerv1.CanaryPhaseProgressing,
	flaggerv1.PreRolloutHook:             flaggerv1.CanaryPhaseProgressing,
	flaggerv1.RolloutHook:                flaggerv1.CanaryPhaseProgressing,
}

func main() {
	canaryPath := flag.String("canary", "", "the Canary's YAML file")
	collector := flag.String("collector", "", "the collector's HTTP base URL the webhooks are sent to")
	only := flag.String("only", "", "call only the webhooks of this type")
	toJSON := flag.Bool("to-json", false, "print the YAML documents on stdin as a JSON array")
	flag.Parse()
	if *toJSON {
		if err := documentsToJSON(os.Stdin, os.Stdout); err != nil {
			fail(err)
		}
		return
	}
	if *canaryPath == "" || *collector == "" {
		flag.Usage()
		os.Exit(2)
	}
	base, err := url.Parse(*collector)
	if err != nil {
		fail(err)
	}
	text, err := os.ReadFile(*canaryPath)
	if err != nil {
		fail(err)
	}
	var canary flaggerv1.Canary
	if err := yaml.UnmarshalStrict(text, &canary); err != nil {
		fail(fmt.Errorf("%s: %v", *canaryPath, err))
	}
	if canary.Kind != "Canary" || canary.Spec.Analysis == nil {
		fail(fmt.Errorf("%s: not a Canary with an analysis", *canaryPath))
	}
	canary.Status.Phase = flaggerv1.CanaryPhaseProgressing

	calls := []callOut{}
	for _, webhook := range canary.GetAnalysis().Webhooks {
		if *only != "" && string(webhook.Type) != *only {
			continue
		}
		phase, known := phases[webhook.Type]
		if !known {
			fail(fmt.Errorf("%s: webhook %q has type %q, which this program does not call", *canaryPath, webhook.Name, webhook.Type))
		}
		target, err := url.Parse(webhook.URL)
		if err != nil {
			fail(fmt.Errorf("webhook %q: %v", webhook.Name, err))
		}
		target.Scheme, target.Host = base.Scheme, base.Host
		webhook.URL = target.String()
		call := callOut{Name: webhook.Name, Type: string(webhook.Type), URL: webhook.URL, Yes: true}
		if err := controller.CallWebhook(canary, phase, webhook); err != nil {
			call.Yes, call.Error = false, err.Error()
		}
		calls = append(calls, call)
	}
	out := json.NewEncoder(os.Stdout)
	out.SetIndent("", "  ")
	if err := out.Encode(calls); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "flagger-webhooks: %v\n", err)
	os.Exit(1)
}

func documentsToJSON(in io.Reader, out io.Writer) error {
	text, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	documents := []json.RawMessage{}
	for _, document := range strings.Split("\n"+string(text), "\n---\n") {
		if strings.TrimSpace(document) == "" {
			continue
		}
		converted, err := yaml.YAMLToJSON([]byte(document))
		if err != nil {
			return err
		}
		documents = append(documents, converted)
	}
	return json.NewEncoder(out).Encode(documents)
}

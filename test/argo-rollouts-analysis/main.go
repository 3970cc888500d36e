// argo-rollouts-analysis runs an AnalysisTemplate the way Argo Rollouts does, with its own code:
// the template is checked by its validation, turned into an AnalysisRun by its factory (arguments
// merged as a Rollout's analysis step merges them), and the run is reconciled by its analysis
// controller, whose metric providers (the web provider here) take the measurements and whose
// condition evaluation and limits (failureLimit, inconclusiveLimit, consecutiveSuccessLimit) decide
// the run. Only Kubernetes is a fake (client-go's and Argo Rollouts' fake clientsets). It prints the
// finished run as JSON.
//
//	argo-rollouts-analysis -template FILE [-arg name=value]... [-interval 200ms] [-timeout 60s]
//
// -interval replaces every metric's interval (the test's clock; limits and conditions stay as
// written); empty keeps the template's. With -run-jobs, a Job the job provider creates runs here,
// as a kubelet would run it: its first container's command and args, with its environment (plain
// values), on this machine; the Job is then marked Complete or Failed as the command exits.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/argoproj/argo-rollouts/analysis"
	"github.com/argoproj/argo-rollouts/controller/metrics"
	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	"github.com/argoproj/argo-rollouts/pkg/client/clientset/versioned/fake"
	informers "github.com/argoproj/argo-rollouts/pkg/client/informers/externalversions"
	analysisutil "github.com/argoproj/argo-rollouts/utils/analysis"
	"github.com/argoproj/argo-rollouts/utils/queue"
	"github.com/argoproj/argo-rollouts/utils/record"
	log "github.com/sirupsen/logrus"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	kubeinformers "k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	k8sfake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/yaml"
)

const namespace = "shop"

type argList []string

func (a *argList) String() string     { return strings.Join(*a, ",") }
func (a *argList) Set(v string) error { *a = append(*a, v); return nil }

type measurementOut struct {
	Phase   string `json:"phase"`
	Value   string `json:"value"`
	Message string `json:"message,omitempty"`
}

type metricOut struct {
	Name               string           `json:"name"`
	Phase              string           `json:"phase"`
	Message            string           `json:"message,omitempty"`
	Count              int32            `json:"count"`
	Successful         int32            `json:"successful"`
	Failed             int32            `json:"failed"`
	Inconclusive       int32            `json:"inconclusive"`
	Error              int32            `json:"error"`
	ConsecutiveSuccess int32            `json:"consecutiveSuccess"`
	Measurements       []measurementOut `json:"measurements"`
}

type runOut struct {
	Phase   string      `json:"phase"`
	Message string      `json:"message,omitempty"`
	Metrics []metricOut `json:"metrics"`
}

func main() {
	templatePath := flag.String("template", "", "the AnalysisTemplate's YAML file")
	interval := flag.String("interval", "", "replaces every metric's interval (e.g. 200ms)")
	timeout := flag.Duration("timeout", time.Minute, "how long the run may take")
	runJobs := flag.Bool("run-jobs", false, "run the Jobs the job provider creates on this machine")
	var args argList
	flag.Var(&args, "arg", "a template argument, name=value (repeatable)")
	flag.Parse()
	if *templatePath == "" {
		flag.Usage()
		os.Exit(2)
	}
	// The controller's own log lines say how it assessed each measurement: kept on stderr.
	log.SetOutput(os.Stderr)
	log.SetLevel(log.InfoLevel)

	run, err := newRun(*templatePath, args, *interval)
	if err != nil {
		fail(err)
	}
	finished, err := reconcile(run, *timeout, *runJobs)
	if err != nil {
		fail(err)
	}
	out := json.NewEncoder(os.Stdout)
	out.SetIndent("", "  ")
	if err := out.Encode(describe(finished)); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "argo-rollouts-analysis: %v\n", err)
	os.Exit(1)
}

// newRun reads the template, validates its metrics as Argo Rollouts does when it admits one, and
// makes the AnalysisRun a Rollout's analysis step would make from it.
func newRun(path string, args argList, interval string) (*v1alpha1.AnalysisRun, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	text, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	var template v1alpha1.AnalysisTemplate
	if err := yaml.UnmarshalStrict(text, &template); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if template.Kind != "AnalysisTemplate" {
		return nil, fmt.Errorf("%s: kind %q, not AnalysisTemplate", path, template.Kind)
	}
	if err := analysisutil.ValidateMetrics(template.Spec.Metrics); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if interval != "" {
		for i := range template.Spec.Metrics {
			template.Spec.Metrics[i].Interval = v1alpha1.DurationString(interval)
		}
	}
	var runArgs []v1alpha1.Argument
	for _, arg := range args {
		name, value, ok := strings.Cut(arg, "=")
		if !ok {
			return nil, fmt.Errorf("-arg %q is not name=value", arg)
		}
		runArgs = append(runArgs, v1alpha1.Argument{Name: name, Value: &value})
	}
	template.Namespace = namespace
	return analysisutil.NewAnalysisRunFromTemplates([]*v1alpha1.AnalysisTemplate{&template}, nil, runArgs, nil, nil,
		nil, nil, "shadowdiff-gate", "", namespace)
}

// reconcile hands the run to Argo Rollouts' analysis controller and waits until it has finished.
func reconcile(run *v1alpha1.AnalysisRun, timeout time.Duration, runJobs bool) (*v1alpha1.AnalysisRun, error) {
	client := fake.NewSimpleClientset(run)
	kubeClient := k8sfake.NewSimpleClientset()
	factory := informers.NewSharedInformerFactory(client, 0)
	kubeFactory := kubeinformers.NewSharedInformerFactory(kubeClient, 0)
	controller := analysis.NewController(analysis.ControllerConfig{
		KubeClientSet:        kubeClient,
		ArgoProjClientset:    client,
		AnalysisRunInformer:  factory.Argoproj().V1alpha1().AnalysisRuns(),
		JobInformer:          kubeFactory.Batch().V1().Jobs(),
		JobPodsInformer:      kubeFactory.Core().V1().Pods(),
		AnalysisRunWorkQueue: workqueue.NewNamedRateLimitingQueue(queue.DefaultArgoRolloutsRateLimiter(), "AnalysisRuns"),
		MetricsServer:        metrics.NewMetricsServer(metrics.ServerConfig{K8SRequestProvider: &metrics.K8sRequestsCountProvider{}}),
		Recorder:             record.NewFakeEventRecorder(),
	})
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	factory.Start(ctx.Done())
	kubeFactory.Start(ctx.Done())
	go func() { _ = controller.Run(ctx, 1) }()
	if runJobs {
		watcher, err := kubeClient.BatchV1().Jobs(metav1.NamespaceAll).Watch(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, err
		}
		go func() {
			for event := range watcher.ResultChan() {
				if job, ok := event.Object.(*batchv1.Job); ok && event.Type == watch.Added {
					go runJob(ctx, kubeClient, job.DeepCopy())
				}
			}
		}()
	}

	for {
		current, err := client.ArgoprojV1alpha1().AnalysisRuns(namespace).Get(ctx, run.Name, metav1.GetOptions{})
		if err == nil && current.Status.Phase.Completed() {
			return current, nil
		}
		select {
		case <-ctx.Done():
			if current != nil {
				return nil, fmt.Errorf("the run did not finish within %v (phase %q): %s", timeout, current.Status.Phase, mustJSON(describe(current)))
			}
			return nil, fmt.Errorf("the run did not finish within %v: %v", timeout, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func describe(run *v1alpha1.AnalysisRun) runOut {
	out := runOut{Phase: string(run.Status.Phase), Message: run.Status.Message, Metrics: []metricOut{}}
	for _, result := range run.Status.MetricResults {
		m := metricOut{
			Name: result.Name, Phase: string(result.Phase), Message: result.Message, Count: result.Count,
			Successful: result.Successful, Failed: result.Failed, Inconclusive: result.Inconclusive, Error: result.Error,
			ConsecutiveSuccess: result.ConsecutiveSuccess, Measurements: []measurementOut{},
		}
		for _, measurement := range result.Measurements {
			m.Measurements = append(m.Measurements, measurementOut{Phase: string(measurement.Phase), Value: measurement.Value, Message: measurement.Message})
		}
		out.Metrics = append(out.Metrics, m)
	}
	return out
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// runJob runs the Job's first container here and marks the Job as its command ended. What the
// command prints goes to stderr.
func runJob(ctx context.Context, client kubernetes.Interface, job *batchv1.Job) {
	container := job.Spec.Template.Spec.Containers[0]
	argv := append(append([]string{}, container.Command...), container.Args...)
	command := exec.CommandContext(ctx, argv[0], argv[1:]...)
	command.Env = os.Environ()
	for _, variable := range container.Env {
		command.Env = append(command.Env, variable.Name+"="+variable.Value)
	}
	command.Stdout, command.Stderr = os.Stderr, os.Stderr
	err := command.Run()
	fmt.Fprintf(os.Stderr, "argo-rollouts-analysis: job %s ended: %v\n", job.Name, err)
	condition := batchv1.JobComplete
	if err != nil {
		condition = batchv1.JobFailed
		job.Status.Failed = 1
	} else {
		job.Status.Succeeded = 1
	}
	job.Status.Conditions = append(job.Status.Conditions, batchv1.JobCondition{Type: condition, Status: corev1.ConditionTrue})
	if _, err := client.BatchV1().Jobs(job.Namespace).UpdateStatus(ctx, job, metav1.UpdateOptions{}); err != nil {
		fmt.Fprintf(os.Stderr, "argo-rollouts-analysis: job %s: %v\n", job.Name, err)
	}
}

// The two filterless variants the benchmark compares against really do what they say: the plain
// one only forwards, the native one copies every request to the shadow (fire and forget).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHttpService, type HttpService } from "../../support/http-service.js";
import { renderBootstrap } from "../../host/envoy/bootstrap.js";
import { startEnvoy } from "../../support/envoy-process.js";
import { send } from "./support/client.js";
import { eventually } from "../../support/eventually.js";
import { sameAnswer } from "./support/services.js";

let primary: HttpService;
let shadow: HttpService;
beforeAll(async () => {
  primary = await startHttpService(sameAnswer);
  shadow = await startHttpService(sameAnswer);
});
afterAll(async () => {
  await primary?.close();
  await shadow?.close();
});

describe("the filterless variants", () => {
  it("plain: requests reach the primary only", async () => {
    const envoy = await startEnvoy(renderBootstrap({ primary: { port: primary.port }, mode: { kind: "plain" } }));
    try {
      const shadowSeen = shadow.received.length;
      expect((await send(envoy.listenerPort, "/plain/1")).status).toBe(200);
      expect(primary.received.at(-1)?.url).toBe("/plain/1");
      // Envoy counts an upstream request when it sends it; a mirror would be counted on a shadow cluster.
      const upstream = await envoy.admin.stats("^cluster\\.[a-z]+\\.upstream_rq_total$");
      expect(upstream.get("cluster.primary.upstream_rq_total")).toBe(1);
      expect([...upstream.keys()]).toEqual(["cluster.primary.upstream_rq_total"]);
      expect(shadow.received.length).toBe(shadowSeen);
    } finally {
      await envoy.stop();
    }
  });

  it("native mirror at 100%: every request is copied to the shadow, marked -shadow in its host", async () => {
    const envoy = await startEnvoy(
      renderBootstrap({ primary: { port: primary.port }, mode: { kind: "mirror", shadow: { port: shadow.port }, percent: 100 } }),
    );
    try {
      const shadowSeen = shadow.received.length;
      for (let index = 0; index < 5; index++) expect((await send(envoy.listenerPort, `/mirrored/${index}`)).status).toBe(200);
      await eventually(async () => expect(shadow.received.length - shadowSeen).toBe(5));
      const copies = shadow.received.slice(shadowSeen);
      expect(copies.map((request) => request.url).sort()).toEqual([0, 1, 2, 3, 4].map((index) => `/mirrored/${index}`));
      // Envoy marks the copy in its host: 127.0.0.1:PORT becomes 127.0.0.1-shadow:PORT.
      expect(copies.map((request) => request.headers.host)).toEqual(copies.map(() => `127.0.0.1-shadow:${envoy.listenerPort}`));
    } finally {
      await envoy.stop();
    }
  });
});

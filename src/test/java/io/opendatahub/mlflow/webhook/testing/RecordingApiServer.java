package io.opendatahub.mlflow.webhook.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * fabric8's CRUD mock API server (plain HTTP) that keeps a log of every request ("GET /path?query")
 * and can leave an API group unserved, as an API server without that group's CRD answers: 404 for
 * every path under {@code /apis/GROUP/}. Serving it can be switched on while it runs (a CRD
 * installed later).
 */
public final class RecordingApiServer implements AutoCloseable {

  private final List<String> requests = new CopyOnWriteArrayList<>();
  private volatile String unservedGroup;
  private final KubernetesMockServer server;

  /** @param unservedGroup an API group answered with 404, or null to serve every group */
  public RecordingApiServer(String unservedGroup) {
    this.unservedGroup = unservedGroup;
    this.server = CrudApiServer.start(new CrudApiServer.Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        requests.add(request.getMethod() + " " + request.getPath());
        String hidden = RecordingApiServer.this.unservedGroup;
        if (hidden != null && request.getPath().startsWith("/apis/" + hidden + "/")) {
          return new MockResponse().setResponseCode(404).setBody("{\"kind\":\"Status\","
              + "\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"NotFound\","
              + "\"message\":\"the server could not find the requested resource\","
              + "\"code\":404}");
        }
        return super.dispatch(request);
      }
    });
  }

  public KubernetesClient client() {
    return server.createClient();
  }

  /** From now on the unserved group is served (its CRD installed). */
  public void serveEveryGroup() {
    unservedGroup = null;
  }

  /** Every request so far, as "METHOD /path?query", oldest first. */
  public List<String> requests() {
    return List.copyOf(requests);
  }

  /** How many requests so far match: contain every one of {@code parts}. */
  public long count(String... parts) {
    return requests.stream().filter(r -> List.of(parts).stream().allMatch(r::contains)).count();
  }

  @Override
  public void close() {
    server.destroy();
  }
}

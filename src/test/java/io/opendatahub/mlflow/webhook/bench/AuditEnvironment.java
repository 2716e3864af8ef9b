package io.opendatahub.mlflow.webhook.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.opendatahub.mlflow.webhook.testing.RecordingApiServer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * For {@code bench/audit.sh}: a mock API server filled as {@link AuditLoad} fills it, and
 * DIR/kubeconfig pointing at it, so the packaged service's memory can be measured with the
 * audit's load. Prints "ready" when filled; runs until killed.
 * usage: AuditEnvironment DIR NAMESPACES BINDINGS
 */
public final class AuditEnvironment {

  private AuditEnvironment() {}

  public static void main(String[] args) throws Exception {
    java.util.logging.Logger.getLogger("io.fabric8.mockwebserver")
        .setLevel(java.util.logging.Level.WARNING);
    Path dir = Files.createDirectories(Path.of(args[0]));
    RecordingApiServer server = new RecordingApiServer(null);
    KubernetesClient client = server.client();
    AuditLoad.fill(client, Integer.parseInt(args[1]), Integer.parseInt(args[2]));
    BenchEnvironment.writeKubeconfig(dir, client.getConfiguration().getMasterUrl());
    System.out.println("ready");
    Thread.currentThread().join();
  }
}

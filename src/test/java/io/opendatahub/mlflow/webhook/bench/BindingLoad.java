package io.opendatahub.mlflow.webhook.bench;

import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.opendatahub.mlflow.webhook.kube.BindingReconciler;
import io.opendatahub.mlflow.webhook.policy.PolicyHolder;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import io.opendatahub.mlflow.webhook.testing.ChangingNamespaces;
import io.opendatahub.mlflow.webhook.testing.CrudApiServer;
import io.opendatahub.mlflow.webhook.testing.Eventually;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How fast the reconciler binds opted-in ServiceAccounts on fabric8's mock API server (CRUD, plain
 * HTTP): the first binding after its account, then ACCOUNTS accounts created at once and the time
 * until all are bound. A figure, not a test; run by {@code bench/binding.sh}.
 */
public final class BindingLoad {

  private static final String OPT_IN = "mlflow.opendatahub.io/integration";

  private BindingLoad() {}

  public static void main(String[] args) throws Exception {
    int accounts = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    Path dir = Files.createTempDirectory("binding-load");
    PolicyHolder policy = new PolicyHolder(new PolicyLoader().load(TestPolicies.write(dir,
        "policy.yaml", """
        apiVersion: policy.mlflow-webhook.io/v1alpha1
        kind: MLflowPolicy
        metadata: {name: binding-load}
        spec:
          environments:
            - name: development
              default: true
          serviceAccountBinding:
            enabled: true
            clusterRole: mlflow-integration
            select:
              namespaces: [team-a, bulk]
              annotation: mlflow.opendatahub.io/integration=true
        """)));
    KubernetesMockServer server = CrudApiServer.start();
    try (KubernetesClient client = server.createClient();
        BindingReconciler reconciler = new BindingReconciler(client, policy,
            new ChangingNamespaces(), BindingReconciler.Listener.NONE)) {
      reconciler.start(new BindingReconciler.Election("default", "binding-load", "bench"));
      Eventually.until(Duration.ofSeconds(60), "the reconciler leads", reconciler::leading);

      long started = System.nanoTime();
      create(client, "team-a", "runner");
      Eventually.until(Duration.ofSeconds(60), "the first account is bound",
          () -> bound(client, "team-a") == 1);
      long bindMillis = millisSince(started);

      started = System.nanoTime();
      for (int i = 0; i < accounts; i++) {
        create(client, "bulk", "sa-" + i);
      }
      long createdMillis = millisSince(started);
      Eventually.until(Duration.ofMinutes(10), "every account of namespace bulk is bound",
          () -> bound(client, "bulk") == accounts);
      long totalMillis = millisSince(started);
      System.out.printf("first binding %d ms after its ServiceAccount; %d ServiceAccounts"
          + " created in %d ms, all bound after %d ms%n", bindMillis, accounts, createdMillis,
          totalMillis);
    } finally {
      server.destroy();
    }
  }

  private static void create(KubernetesClient client, String namespace, String name) {
    client.serviceAccounts().inNamespace(namespace).resource(new ServiceAccountBuilder()
        .withNewMetadata().withNamespace(namespace).withName(name)
        .addToAnnotations(OPT_IN, "true").endMetadata().build()).create();
  }

  private static int bound(KubernetesClient client, String namespace) {
    return client.rbac().roleBindings().inNamespace(namespace).list().getItems().size();
  }

  private static long millisSince(long started) {
    return (System.nanoTime() - started) / 1_000_000;
  }
}

package io.opendatahub.mlflow.webhook.testing;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The policy-report CRDs (copies of the upstream files in {@code src/test/resources/crds}),
 * installed into a mock API server: its discovery then lists their kinds, as a real one would.
 */
public final class ReportCrds {

  public static final List<String> OPENREPORTS =
      List.of("openreports.io_reports", "openreports.io_clusterreports");
  public static final List<String> WGPOLICY =
      List.of("wgpolicyk8s.io_policyreports", "wgpolicyk8s.io_clusterpolicyreports");

  private ReportCrds() {}

  public static void install(KubernetesClient client, List<String> crds) {
    for (String name : crds) {
      try (InputStream in = ReportCrds.class.getResourceAsStream("/crds/" + name + ".yaml")) {
        CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions()
            .load(in).item();
        client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}

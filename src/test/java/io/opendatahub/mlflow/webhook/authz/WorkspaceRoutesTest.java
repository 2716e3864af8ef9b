package io.opendatahub.mlflow.webhook.authz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Answer;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Question;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.PolicyHolder;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which namespace a workspace route acts in: GetWorkspace's header before its path, and with
 * workspaces disabled upstream the one fixed namespace, with the workspace API denied.
 */
class WorkspaceRoutesTest {

  private static final String AUTHORITY = "  authority: kubernetes";

  @TempDir Path dir;

  private static Answer ask(Policy shipped, NamespaceGrants grants, String workspace,
      String method, String path) {
    PolicyHolder policy = new PolicyHolder(shipped);
    AuthorizationService service =
        new AuthorizationService(policy, grants, AuthorizationService.Listener.NONE);
    return new RouteAuthorizer(policy, service)
        .decide(new Question(workspace, method, path, null), NamespaceGrants.TOKEN).join();
  }

  private Policy workspacesDisabled() {
    return TestPolicies.shippedWith(dir, AUTHORITY,
        AUTHORITY + "\n    workspaces: {enabled: false, namespace: mlflow-data}");
  }

  @Test
  void getWorkspaceChecksTheHeadersWorkspaceWhenThereIsOneElseThePaths() {
    NamespaceGrants grants = new NamespaceGrants("team-a/experiments:get");

    Answer byPath = ask(TestPolicies.shipped(), grants, null, "GET",
        "/api/3.0/mlflow/workspaces/team-a");
    Answer otherPath = ask(TestPolicies.shipped(), grants, null, "GET",
        "/ajax-api/3.0/mlflow/workspaces/team-b");
    // As upstream: the header wins, whatever workspace the path names.
    Answer byHeader = ask(TestPolicies.shipped(), grants, "team-a", "GET",
        "/api/3.0/mlflow/workspaces/team-b");

    assertThat(byPath.allowed()).isTrue();
    assertThat(otherPath.allowed()).isFalse();
    assertThat(byHeader.allowed()).isTrue();
    assertThat(grants.asked).containsExactly("team-a/experiments:get",
        "team-b/experiments:get", "team-b/datasets:get", "team-b/registeredmodels:get",
        "team-a/experiments:get");
  }

  @Test
  void aPathWorkspaceThatIsNotANamespaceNameIs400() {
    Answer answer = ask(TestPolicies.shipped(), new NamespaceGrants(), null, "GET",
        "/api/3.0/mlflow/workspaces/Team%20A");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.error()).contains("the workspace in the path must be a namespace name");
  }

  @Test
  void withWorkspacesDisabledEveryRouteActsInTheFixedNamespace() {
    // Before: the question's workspace was checked, and a missing one was a 400.
    NamespaceGrants grants = new NamespaceGrants("mlflow-data/experiments:update");

    Answer named = ask(workspacesDisabled(), grants, "team-a", "POST",
        "/api/2.0/mlflow/runs/log-metric");
    Answer unnamed = ask(workspacesDisabled(), grants, null, "POST",
        "/api/2.0/mlflow/runs/log-metric");

    assertThat(named.allowed()).isTrue();
    assertThat(unnamed.allowed()).isTrue();
    assertThat(grants.asked).containsExactly("mlflow-data/experiments:update",
        "mlflow-data/experiments:update");
  }

  @Test
  void withWorkspacesDisabledTheWorkspaceApiIsDeniedAsUpstream() {
    NamespaceGrants everything = new NamespaceGrants("*/experiments:list", "*/experiments:get");

    for (String[] route : new String[][] {{"GET", "/api/3.0/mlflow/workspaces"},
        {"GET", "/mlflow/ajax-api/3.0/mlflow/workspaces/team-a"},
        {"DELETE", "/api/3.0/mlflow/workspaces/team-a"}}) {
      Answer answer = ask(workspacesDisabled(), everything, null, route[0], route[1]);

      assertThat(answer.status()).as(route[1]).isEqualTo(200);
      assertThat(answer.allowed()).as(route[1]).isFalse();
      assertThat(answer.reason()).as(route[1]).startsWith("Workspace APIs are not supported when"
          + " MLFLOW_K8S_AUTH_WORKSPACES_ENABLED=false.");
    }
    assertThat(everything.asked).isEmpty();
  }

  @Test
  void theSchemaAcceptsTheFixedNamespace() throws Exception {
    String text = java.nio.file.Files.readString(Path.of("policies/policy.yaml"))
        .replace(AUTHORITY, AUTHORITY + "\n    workspaces: {enabled: false, namespace: team-a}");

    assertThat(io.opendatahub.mlflow.webhook.testing.Schemas.errors(
        io.opendatahub.mlflow.webhook.testing.Schemas.file(Path.of("policies/policy.schema.json")),
        tools.jackson.dataformat.yaml.YAMLMapper.builder().build().readTree(text))).isEmpty();
    assertThat(workspacesDisabled().authorization().workspaces().namespace())
        .isEqualTo("mlflow-data");
  }

  @Test
  void theSettingIsValidatedAndNamesWhatIsMissing() {
    assertThatThrownBy(() -> TestPolicies.shippedWith(dir, AUTHORITY,
        AUTHORITY + "\n    workspaces: {enabled: false}"))
        .hasMessageContaining("spec.authorization.workspaces")
        .hasMessageContaining("namespace must name the one namespace");
    assertThatThrownBy(() -> TestPolicies.shippedWith(dir, AUTHORITY,
        AUTHORITY + "\n    workspaces: {enabled: false, namespace: Not_A_Namespace}"))
        .hasMessageContaining("spec.authorization.workspaces");
    assertThatThrownBy(() -> TestPolicies.shippedWith(dir, AUTHORITY,
        AUTHORITY + "\n    workspaces: {namespace: team-a}"))
        .hasMessageContaining("namespace applies only with enabled: false");
  }
}

package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.admission.MalformedReviewException;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Question;
import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy;
import io.opendatahub.mlflow.webhook.policy.RouteRule;
import java.util.Locale;

/**
 * Routes whose workspace is not simply the question's: the workspace API, and every route when
 * workspaces are disabled. Mirrors mlflow-kubernetes-plugins {@code auth/core.py}
 * ({@code _extract_workspace_scope_from_request}, the {@code workspaces_enabled} check) and
 * {@code auth/middleware.py} (the fixed namespace). Pure.
 */
final class WorkspaceRoutes {

  /** Upstream's {@code WORKSPACE_APIS_DISABLED_ERROR_MESSAGE}, and where to change it here. */
  static final String DISABLED = "Workspace APIs are not supported when"
      + " MLFLOW_K8S_AUTH_WORKSPACES_ENABLED=false. (spec.authorization.workspaces.enabled is"
      + " false in the policy)";

  private static final String LIST = "/api/3.0/mlflow/workspaces";
  private static final String GET = LIST + "/<workspace_name>";
  private static final String AJAX_LIST = "/ajax-api/3.0/mlflow/workspaces";

  private WorkspaceRoutes() {}

  /** A workspace API path (upstream checks the path, whatever route it matched). */
  static boolean api(String normalizedPath) {
    return normalizedPath.equals(LIST) || normalizedPath.equals(AJAX_LIST)
        || normalizedPath.startsWith(LIST + "/") || normalizedPath.startsWith(AJAX_LIST + "/");
  }

  /** The table's ListWorkspaces entry. */
  static boolean listing(RouteRule rule) {
    return rule.method().equals("GET") && rule.path().equals(LIST);
  }

  /** A ListWorkspaces question without a workspace: it asks for the whole list. */
  static boolean listing(Question question) {
    if (question.workspace() != null && !question.workspace().isBlank()) {
      return false;
    }
    if (!question.method().toUpperCase(Locale.ROOT).equals("GET")) {
      return false;
    }
    try {
      String path = RouteTable.normalize(question.path());
      return path.equals(LIST) || path.equals(AJAX_LIST);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  static boolean graphql(RouteRule rule) {
    return rule.path().equals("/graphql");
  }

  /**
   * The question with the workspace the checks act in: the fixed namespace when workspaces are
   * disabled (the question's workspace is ignored, as upstream ignores the header); for
   * GetWorkspace the question's workspace (the header) when it has one, else the path's, as
   * upstream resolves it.
   *
   * @throws IllegalArgumentException when the path's workspace is not a namespace name
   */
  static Question acting(RouteRule rule, Question question, String normalizedPath,
      AuthorizationPolicy.Workspaces workspaces) {
    if (!workspaces.enabled()) {
      return withWorkspace(question, workspaces.namespace());
    }
    if (!rule.path().equals(GET)
        || (question.workspace() != null && !question.workspace().isBlank())) {
      return question;
    }
    String named = normalizedPath.substring(normalizedPath.lastIndexOf('/') + 1);
    try {
      QuestionFields.namespace(named, "the workspace in the path");
    } catch (MalformedReviewException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    return withWorkspace(question, named);
  }

  private static Question withWorkspace(Question question, String workspace) {
    return new Question(workspace, question.method(), question.path(), question.name(),
        question.body(), question.query(), question.headers());
  }
}

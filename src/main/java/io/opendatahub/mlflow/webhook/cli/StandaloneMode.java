package io.opendatahub.mlflow.webhook.cli;

import io.opendatahub.mlflow.webhook.admission.PolicyNamedNamespaces;
import io.opendatahub.mlflow.webhook.authz.AccessReviewer;
import io.opendatahub.mlflow.webhook.authz.LocalAuthority;
import io.opendatahub.mlflow.webhook.authz.StaticTokenFile;
import io.opendatahub.mlflow.webhook.kube.RbacManifests;
import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.PolicyHolder;
import io.opendatahub.mlflow.webhook.rbac.BindingRequests;
import io.opendatahub.mlflow.webhook.rbac.RbacSnapshot;
import io.opendatahub.mlflow.webhook.server.Readiness;
import io.opendatahub.mlflow.webhook.server.WebhookMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Without a cluster: namespaces are the ones the policy names, ServiceAccounts that qualify for a
 * binding are only reported, and /authorize answers from the policy's local RBAC and token files
 * when it names them. Starts nothing that needs stopping.
 */
final class StandaloneMode implements Mode {

  private static final Logger LOG = LoggerFactory.getLogger(StandaloneMode.class);

  @Override
  public Started start(PolicyHolder policy, Readiness readiness, WebhookMetrics metrics)
      throws IOException {
    Policy initial = policy.get();
    Optional<AccessReviewer> authority = initial.authorization().local() == null
        ? Optional.empty() : Optional.of(localAuthority(initial));
    return new Started(new PolicyNamedNamespaces(policy), BindingRequests.NONE, authority,
        List.of());
  }

  /** The standalone authority; its files are read once, at start-up. */
  private static LocalAuthority localAuthority(Policy policy) throws IOException {
    Path base = Path.of(policy.source()).toAbsolutePath().getParent();
    AuthorizationPolicy.Local local = policy.authorization().local();
    try {
      RbacSnapshot snapshot = RbacManifests.load(base.resolve(local.rbac()));
      StaticTokenFile tokens = StaticTokenFile.read(base.resolve(local.tokens()));
      LOG.info("standalone /authorize answers from local RBAC ({}) and tokens ({})", local.rbac(),
          local.tokens());
      return new LocalAuthority(() -> Optional.of(snapshot), tokens);
    } catch (IOException e) {
      throw new IOException("spec.authorization.local: " + e.getMessage(), e);
    }
  }
}

package io.opendatahub.mlflow.webhook.authz;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * An authority for one caller (token {@link #TOKEN}) whose RBAC is a list of grants
 * {@code namespace/resource[/sub]:verb[:name]}; namespace {@code *} is a cluster-wide grant,
 * which also answers the all-namespaces question ({@code namespace: ""}). Records every review.
 */
final class NamespaceGrants implements AccessReviewer {

  static final String TOKEN = "token-of-erin";

  private final Set<String> grants;
  final List<String> asked = Collections.synchronizedList(new ArrayList<>());

  NamespaceGrants(String... grants) {
    this.grants = Set.of(grants);
  }

  @Override
  public CompletableFuture<Optional<Identity>> authenticate(String bearerToken) {
    return CompletableFuture.completedFuture(TOKEN.equals(bearerToken)
        ? Optional.of(new Identity("erin", "", List.of(), Map.of())) : Optional.empty());
  }

  @Override
  public CompletableFuture<AccessDecision> review(Identity identity, ResourceAttributes a) {
    String what = a.fullResource() + ":" + a.verb() + (a.name().isEmpty() ? "" : ":" + a.name());
    String namespace = a.namespace().isEmpty() ? "*" : a.namespace();
    asked.add(namespace + "/" + what);
    boolean allowed = grants.contains("*/" + what) || grants.contains(namespace + "/" + what);
    return CompletableFuture.completedFuture(new AccessDecision(allowed, false,
        allowed ? "granted " + what : null, null, AccessDecision.Source.KUBERNETES));
  }
}

package io.opendatahub.mlflow.webhook.authz;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * RBAC for dana (token {@value #TOKEN}) in team-a: the grants listed, as "resource/sub:verb" or
 * "...:verb:name". Records what was asked ("key@namespace") and on which threads.
 */
final class Grants implements AccessReviewer {

  static final String TOKEN = "token-of-dana";

  private final Set<String> grants;
  final List<String> asked = Collections.synchronizedList(new ArrayList<>());
  final Set<String> threads = ConcurrentHashMap.newKeySet();

  Grants(String... grants) {
    this.grants = Set.of(grants);
  }

  @Override
  public CompletableFuture<Optional<Identity>> authenticate(String bearerToken) {
    return CompletableFuture.completedFuture(TOKEN.equals(bearerToken)
        ? Optional.of(new Identity("dana", "", List.of(), Map.of())) : Optional.empty());
  }

  @Override
  public CompletableFuture<AccessDecision> review(Identity identity, ResourceAttributes a) {
    String key = a.fullResource() + ":" + a.verb() + (a.name().isEmpty() ? "" : ":" + a.name());
    asked.add(key + "@" + a.namespace());
    threads.add(Thread.currentThread().getName());
    boolean allowed = a.namespace().equals("team-a") && grants.contains(key);
    return CompletableFuture.completedFuture(new AccessDecision(allowed, false,
        allowed ? "granted " + key : null, null, AccessDecision.Source.KUBERNETES));
  }
}

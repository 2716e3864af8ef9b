package io.opendatahub.mlflow.webhook.authz;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** An authenticated user as Kubernetes knows it: what a TokenReview returns, what a SAR asks about. */
public record Identity(String username, String uid, List<String> groups,
    Map<String, List<String>> extra) {

  public Identity {
    username = username == null ? "" : username;
    uid = uid == null ? "" : uid;
    groups = groups == null ? List.of() : List.copyOf(groups);
    extra = extra == null ? Map.of() : Map.copyOf(new TreeMap<>(extra));
  }
}

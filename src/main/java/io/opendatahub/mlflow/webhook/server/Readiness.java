package io.opendatahub.mlflow.webhook.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/** Named conditions that must all hold before the service takes traffic. */
public final class Readiness {

  private final List<Map.Entry<String, BooleanSupplier>> conditions = new CopyOnWriteArrayList<>();

  public Readiness require(String name, BooleanSupplier condition) {
    conditions.add(Map.entry(name, condition));
    return this;
  }

  /** Names of the conditions that do not hold yet; empty when ready. */
  public List<String> pending() {
    List<String> pending = new ArrayList<>();
    for (Map.Entry<String, BooleanSupplier> condition : conditions) {
      if (!condition.getValue().getAsBoolean()) {
        pending.add(condition.getKey());
      }
    }
    return pending;
  }
}

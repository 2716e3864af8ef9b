package io.opendatahub.mlflow.webhook.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The GC meters an SRE scrapes: every collector, its collections counted as they happen. */
class GcPauseMetersTest {

  private static final Pattern COUNT =
      Pattern.compile("^jvm_gc_pause_seconds_count\\{gc=\"([^\"]+)\"} (\\S+)$", Pattern.MULTILINE);

  private final WebhookMetrics metrics = new WebhookMetrics();

  @Test
  void everyCollectorIsScrapedWithItsCollectionsSoFar() {
    long before = collections(metrics.scrape());
    System.gc();
    String scraped = metrics.scrape();

    for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
      assertThat(scraped)
          .contains("jvm_gc_pause_seconds_count{gc=\"" + collector.getName() + "\"}")
          .contains("jvm_gc_pause_seconds_sum{gc=\"" + collector.getName() + "\"}");
    }
    // An explicit collection is at least one more, whichever collector ran it.
    assertThat(collections(scraped)).isGreaterThan(before);
  }

  private static long collections(String scraped) {
    long total = 0;
    Matcher count = COUNT.matcher(scraped);
    while (count.find()) {
      total += (long) Double.parseDouble(count.group(2));
    }
    return total;
  }
}

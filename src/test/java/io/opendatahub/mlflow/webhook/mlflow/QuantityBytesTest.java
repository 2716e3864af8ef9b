package io.opendatahub.mlflow.webhook.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The remembered conversion answers what fabric8 answers, the first time and from the cache, for
 * any string a CR can hold; and keeps a bounded number of short strings whatever arrives.
 */
class QuantityBytesTest {

  static Stream<String> quantities() {
    return Stream.of("10Gi", "10737418240", "10737418239", "10240Mi", "1Ti", "1099511627776",
        "1099511627777", "1.5Gi", ".5Gi", "5.Gi", "0.1", "1m", "1k", "1K", "1Ki", "-1Gi", "+1Gi",
        "0", "-0", "1e3", "1E3", "1e+3", "1e-3", "1e999999999", "1e-999999999", "9e18", "1Ei",
        "12345678901234567890Gi", "10gi", "10 Gi", " 10Gi", "10Gi ", "ten gigs", "", "Gi", "e3",
        "1Zi", "1.2.3", "--1", "1e", "1ee3", "1Gi1", "NaN", "Infinity", "0x10", "1_000",
        "1".repeat(QuantityBytes.MAX_CACHED_CHARS),
        "1".repeat(QuantityBytes.MAX_CACHED_CHARS + 1),
        "1".repeat(QuantityBytes.MAX_CACHED_CHARS - 2) + "Gi",
        "9".repeat(10_000) + "Ei");
  }

  @ParameterizedTest
  @MethodSource("quantities")
  void answersAsFabric8FirstAndFromTheCache(String quantity) {
    QuantityBytes quantities = new QuantityBytes();
    BigDecimal expected = fabric8(quantity);

    // equals, not compareTo: the same scale too, so the value is fabric8's own.
    assertThat(quantities.bytes(quantity)).isEqualTo(expected);
    assertThat(quantities.bytes(quantity)).isEqualTo(expected);
  }

  @Test
  void keepsAtMostItsBoundOfQuantities() {
    QuantityBytes quantities = new QuantityBytes();

    for (int i = 0; i < 20 * QuantityBytes.MAX_ENTRIES; i++) {
      assertThat(quantities.bytes(i + "Mi")).isEqualTo(BigDecimal.valueOf(i * 1024L * 1024));
    }

    assertThat(quantities.size()).isBetween(1L, (long) QuantityBytes.MAX_ENTRIES);
  }

  @Test
  void keepsNoQuantityLongerThanItsBound() {
    QuantityBytes quantities = new QuantityBytes();
    String longest = "0".repeat(QuantityBytes.MAX_CACHED_CHARS - 4) + "10Gi";

    assertThat(quantities.bytes("0" + longest)).isEqualTo(fabric8("10Gi"));
    assertThat(quantities.size()).isZero();
    assertThat(quantities.bytes(longest)).isEqualTo(fabric8("10Gi"));
    assertThat(quantities.size()).isOne();
  }

  @Test
  void remembersInvalidQuantitiesAsInvalid() {
    QuantityBytes quantities = new QuantityBytes();

    assertThat(quantities.bytes("10gi")).isNull();
    assertThat(quantities.bytes("10gi")).isNull();
    assertThat(quantities.size()).isOne();
    assertThat(quantities.bytes(null)).isNull();
  }

  private static BigDecimal fabric8(String quantity) {
    try {
      return Quantity.getAmountInBytes(new Quantity(quantity));
    } catch (RuntimeException e) {
      return null;
    }
  }
}

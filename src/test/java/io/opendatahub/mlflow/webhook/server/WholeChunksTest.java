package io.opendatahub.mlflow.webhook.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A received chunk's array is taken as the body only when it is exactly the chunk's bytes and
 * nobody else's: anything else would hand the endpoint a body with extra bytes, or bytes that
 * change under it once a pooled buffer is reused.
 */
class WholeChunksTest {

  private static final byte[] REVIEW = "{\"kind\":\"AdmissionReview\"}"
      .getBytes(StandardCharsets.UTF_8);

  @Test
  void aChunkAsVertxHandsItOverIsTakenWhole() {
    ByteBuf pooled = PooledByteBufAllocator.DEFAULT.buffer(64).writeBytes(REVIEW);
    Buffer chunk = BufferInternal.safeBuffer(pooled); // what a request's handler is given

    byte[] array = WholeChunks.array(chunk);

    assertThat(array).isEqualTo(REVIEW);
    assertThat(chunk.getBytes()).isEqualTo(REVIEW);
    assertThat(pooled.refCnt()).as("the pooled buffer is released behind the copy").isZero();
  }

  @Test
  void aBufferWithRoomToSpareIsCopied() {
    Buffer roomy = Buffer.buffer(1024).appendBytes(REVIEW);

    assertThat(WholeChunks.array(roomy)).isNull();
  }

  @Test
  void aSliceOfALargerBufferIsCopied() {
    Buffer whole = Buffer.buffer(REVIEW);

    assertThat(WholeChunks.array(whole.slice(1, REVIEW.length))).isNull();
  }

  @Test
  void pooledOrDirectMemoryIsNeverAliased() {
    ByteBuf pooled = PooledByteBufAllocator.DEFAULT.heapBuffer(REVIEW.length, REVIEW.length)
        .writeBytes(REVIEW);
    try {
      assertThat(WholeChunks.array(BufferInternal.buffer(pooled))).isNull();
    } finally {
      pooled.release();
    }
    assertThat(WholeChunks.array(BufferInternal.buffer(Unpooled.directBuffer(REVIEW.length)
        .writeBytes(REVIEW)))).isNull();
    assertThat(WholeChunks.array(BufferInternal.buffer(Unpooled.wrappedBuffer(REVIEW))))
        .as("an array wrapped by someone who may still write to it").isNull();
  }
}

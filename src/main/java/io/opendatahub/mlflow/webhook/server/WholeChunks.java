package io.opendatahub.mlflow.webhook.server;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.buffer.impl.BufferImpl;
import io.vertx.core.buffer.impl.VertxHeapByteBuf;
import io.vertx.core.buffer.impl.VertxUnsafeHeapByteBuf;

/**
 * Takes a received chunk's bytes without copying them, where that is safe. Vert.x hands a
 * request's handler each chunk as a copy of its own, an unpooled heap buffer sized to the chunk
 * (Netty's pooled buffer is released behind it); when that copy is the whole body, its array is
 * the body, and copying it once more into an array of the same length only makes garbage (about
 * a review's size per request, issue 19).
 */
final class WholeChunks {

  private WholeChunks() {}

  /**
   * The array that holds exactly {@code chunk}'s bytes and nothing else, and belongs to nothing
   * but the chunk (an unpooled Vert.x heap buffer); null otherwise, and the caller copies.
   */
  static byte[] array(Buffer chunk) {
    if (!(chunk instanceof BufferImpl impl)) {
      return null;
    }
    ByteBuf buffer = impl.byteBuf(); // the buffer itself, where getByteBuf() makes a view
    if (!(buffer instanceof VertxUnsafeHeapByteBuf || buffer instanceof VertxHeapByteBuf)) {
      return null; // pooled or direct memory may be reused once released: never alias it
    }
    byte[] array = buffer.array();
    return buffer.arrayOffset() == 0 && buffer.readerIndex() == 0
        && buffer.readableBytes() == array.length ? array : null;
  }
}

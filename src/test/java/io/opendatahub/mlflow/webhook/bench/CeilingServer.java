package io.opendatahub.mlflow.webhook.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/**
 * The ceiling for {@code bench/run.sh}: the smallest Vert.x HTTPS server, same TLS settings as
 * the service, answering every POST with a fixed body of {@code X-Bench-Size} bytes (so each
 * workload is compared with a ceiling that sends as much as the service does).
 * usage: CeilingServer PORT CERT KEY
 */
public final class CeilingServer {

  public static void main(String[] args) throws Exception {
    Vertx vertx = Vertx.vertx();
    HttpServerOptions options = new HttpServerOptions().setHost("127.0.0.1")
        .setPort(Integer.parseInt(args[0])).setSsl(true).setUseAlpn(true)
        .setKeyCertOptions(new PemKeyCertOptions()
            .setCertValue(Buffer.buffer(Files.readAllBytes(Path.of(args[1]))))
            .setKeyValue(Buffer.buffer(Files.readAllBytes(Path.of(args[2])))))
        .setEnabledSecureTransportProtocols(Set.of("TLSv1.2", "TLSv1.3"));
    vertx.createHttpServer(options).requestHandler(request -> request.body().onComplete(b -> {
      String size = request.getHeader("X-Bench-Size");
      byte[] body = new byte[size == null ? 256 : Integer.parseInt(size)];
      Arrays.fill(body, (byte) 'x');
      request.response().putHeader("Content-Type", "application/json").end(Buffer.buffer(body));
    })).listen().toCompletionStage().toCompletableFuture().get();
    System.out.println("ceiling listening on " + args[0]);
  }
}

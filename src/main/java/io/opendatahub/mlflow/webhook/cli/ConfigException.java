package io.opendatahub.mlflow.webhook.cli;

/** A setting that stops start-up; the message names the setting and says why, on one line. */
final class ConfigException extends Exception {

  ConfigException(String message) {
    super(message);
  }
}

package io.opendatahub.mlflow.webhook.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StoreUriTest {

  @ParameterizedTest
  @CsvSource({
    "sqlite:////mlflow/mlflow.db, sqlite, true",
    "sqlite+pysqlite:////mlflow/mlflow.db, sqlite, true",
    "SQLITE:///relative.db, sqlite, true",
    "file:///mlflow/artifacts, file, true",
    "/mlflow/mlruns, file, true",
    "./mlruns, file, true",
    "postgresql://user:pw@db:5432/mlflow, postgresql, false",
    "postgresql+psycopg2://db/mlflow, postgresql, false",
    "mysql+pymysql://db/mlflow, mysql, false",
    "s3://bucket/path, s3, false",
  })
  void knowsTheSchemeFamily(String uri, String family, boolean fileBased) {
    StoreUri store = new StoreUri(uri);

    assertThat(store.schemeFamily()).isEqualTo(family);
    assertThat(store.isFileBased()).isEqualTo(fileBased);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "postgresql://mlflow:s3cr3t@db:5432/mlflow | postgresql://mlflow:***@db:5432/mlflow | true",
    "mysql+pymysql://root:p%40ss@db/mlflow | mysql+pymysql://root:***@db/mlflow | true",
    "postgresql://mlflow@db/mlflow | postgresql://mlflow@db/mlflow | false",
    "postgresql://db/mlflow?user=x&password=s3cr3t | postgresql://db/mlflow?user=x&password=*** | false",
    "postgresql://u:a@b@db/mlflow | postgresql://u:***@db/mlflow | true",
    "sqlite:////mlflow/mlflow.db | sqlite:////mlflow/mlflow.db | false",
  })
  void redactsPasswordsButKeepsWhatHelpsFindTheDatabase(String uri, String redacted,
      boolean inlinePassword) {
    StoreUri store = new StoreUri(uri);

    assertThat(store.redacted()).isEqualTo(redacted);
    assertThat(store.toString()).isEqualTo(redacted);
    assertThat(store.hasInlinePassword()).isEqualTo(inlinePassword);
  }
}

// What the emulator tests and their global setup agree on.

/** The newest fake-gcs-server tag on the Go module proxy that builds with the machine's Go (1.26). */
export const FAKE_GCS_SERVER_VERSION = "v1.56.1";

/** The bucket the global setup creates. */
export const EMULATOR_BUCKET = "vertex-gcs-test";

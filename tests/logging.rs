//! `DTR_LOG=debug` (issue 14): every AWS call on stderr with its attempt, HTTP status and request id,
//! retries included, and never a credential or a parameter value.

mod common;

use common::{deployed, dtr, run, Moto};

#[test]
fn debug_logging_shows_each_call_its_retries_and_request_ids_and_no_secret() {
    let moto = Moto::start();
    let project = deployed(&moto);
    let secret_key = "dtr-test-secret-key-7f3a9c";
    // One throttled answer: the call is retried, and the log says so.
    moto.inject_faults(serde_json::json!([{
        "match": "DynamoDB_20120810.DescribeTable",
        "status": 400, "code": "ThrottlingException", "times": 1
    }]));
    let r = run(dtr(&moto, &project)
        .env("DTR_LOG", "debug")
        .env("AWS_SECRET_ACCESS_KEY", secret_key)
        .args(["plan", "--env", "local"]))
    .expect_code(0);
    let calls: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains("AWS call"))
        .collect();
    assert!(calls.len() > 20, "{}", r.stderr);
    let describe: Vec<&&str> = calls
        .iter()
        .filter(|l| l.contains("operation=DescribeTable"))
        .collect();
    // The table exists: the throttled read is retried, attempt 2 answered.
    assert!(
        describe
            .iter()
            .any(|l| l.contains("attempt=1") && !l.contains("status=200"))
            && describe
                .iter()
                .any(|l| l.contains("attempt=2") && l.contains("status=200")),
        "the throttled call and its retry: {describe:#?}"
    );
    assert!(
        calls
            .iter()
            .all(|l| l.contains("request_id=") && !l.contains("request_id=-")),
        "every answered call names its request id: {calls:#?}"
    );
    let api_key_hash = "ed5a18fb8f807f996d649e379d3f35f39c543a91bdbf88c492f2ebd10d4df86c";
    assert!(!r.stderr.contains(secret_key), "the secret key was logged");
    assert!(
        !r.stderr.contains(api_key_hash),
        "a sensitive value was logged"
    );
    // A header, not an operation's name (GetAccountAuthorizationDetails is one).
    let lower = r.stderr.to_lowercase();
    for header in [
        "authorization:",
        "authorization=",
        "aws4-hmac-sha256",
        "x-amz-date",
    ] {
        assert!(!lower.contains(header), "a header was logged: {header}");
    }

    // Without DTR_LOG, nothing of it.
    let quiet = run(dtr(&moto, &project).args(["plan", "--env", "local"])).expect_code(0);
    assert!(!quiet.stderr.contains("AWS call"), "{}", quiet.stderr);
}

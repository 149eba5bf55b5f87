//! HTTPS_PROXY and NO_PROXY are honoured when a CA bundle is set (issue 14), the usual corporate
//! setup: the calls tunnel through the proxy (a CONNECT proxy of the harness, loopback only), or go
//! straight to the endpoint when NO_PROXY names it.

mod common;

use common::{bootstrapped, dtr, run, Moto, ROOT};
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

/// Run `dtr plan` through a fresh proxy (with `no_proxy` as NO_PROXY, if any); the proxy's CONNECTs.
fn plan_through_proxy(
    moto: &Moto,
    project: &common::Project,
    no_proxy: Option<&str>,
) -> Vec<String> {
    let mut proxy = Command::new("python3")
        .arg(format!("{ROOT}/tests/harness/connect_proxy.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the proxy");
    let mut out = BufReader::new(proxy.stdout.take().unwrap());
    let mut port = String::new();
    out.read_line(&mut port).expect("the proxy's port");
    let url = format!("http://127.0.0.1:{}", port.trim());
    let mut cmd = dtr(moto, project);
    cmd.env("HTTPS_PROXY", &url)
        .args(["plan", "--env", "local"]);
    if let Some(hosts) = no_proxy {
        cmd.env("NO_PROXY", hosts);
    }
    run(&mut cmd).expect_code(0);
    drop(proxy.stdin.take());
    let mut rest = String::new();
    out.read_to_string(&mut rest).expect("the proxy's log");
    proxy.wait().expect("the proxy ends");
    rest.lines().map(str::to_string).collect()
}

#[test]
fn calls_go_through_https_proxy_unless_no_proxy_names_the_endpoint() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    let port = moto
        .https_url
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches('/');
    let tunnelled = plan_through_proxy(&moto, &project, None);
    assert!(
        tunnelled
            .iter()
            .any(|l| l == &format!("CONNECT 127.0.0.1:{port}")),
        "{tunnelled:?}"
    );
    let direct = plan_through_proxy(&moto, &project, Some("127.0.0.1"));
    assert!(direct.is_empty(), "{direct:?}");
}

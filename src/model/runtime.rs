//! Lambda runtimes that AWS no longer accepts, as data, and the check `validate` makes with it.

/// Lambda's runtime deprecation table: identifier, deprecated, function create blocked, function update
/// blocked (UTC dates), and the runtime to move to. Source: "Lambda runtimes", deprecated and supported
/// runtimes tables, https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html (dates as of
/// 2026-06, as transcribed in cfn-lint's LmbdRuntimeLifecycle.json, commit afd7953). Runtimes without a
/// scheduled block date are not listed. Update this table when AWS moves the dates.
#[rustfmt::skip]
const RUNTIME_LIFECYCLE: &[(&str, &str, &str, &str, &str)] = &[
    ("dotnet6", "2024-12-20", "2027-02-01", "2027-03-03", "dotnet10"),
    ("dotnet8", "2026-11-10", "2027-02-01", "2027-03-03", "dotnet10"),
    ("dotnetcore1.0", "2019-06-27", "2019-06-30", "2019-07-30", "dotnet10"),
    ("dotnetcore2.0", "2019-05-30", "2019-04-30", "2019-05-30", "dotnet10"),
    ("dotnetcore2.1", "2022-01-05", "2022-01-05", "2022-04-13", "dotnet10"),
    ("dotnetcore3.1", "2023-04-03", "2023-04-03", "2023-05-03", "dotnet10"),
    ("go1.x", "2024-01-08", "2024-02-08", "2027-03-03", "provided.al2023"),
    ("java8", "2024-01-08", "2024-02-08", "2027-03-03", "java25"),
    ("java8.al2", "2027-06-30", "2027-07-31", "2027-08-31", "java25"),
    ("java11", "2027-06-30", "2027-07-31", "2027-08-31", "java25"),
    ("java17", "2027-06-30", "2027-07-31", "2027-08-31", "java25"),
    ("nodejs", "2016-08-30", "2016-09-30", "2016-10-31", "nodejs24.x"),
    ("nodejs4.3", "2020-03-05", "2020-02-03", "2020-03-05", "nodejs24.x"),
    ("nodejs4.3-edge", "2020-03-05", "2019-03-31", "2019-04-30", "nodejs24.x"),
    ("nodejs6.10", "2019-08-12", "2019-07-12", "2019-08-12", "nodejs24.x"),
    ("nodejs8.10", "2020-03-06", "2020-02-04", "2020-03-06", "nodejs24.x"),
    ("nodejs10.x", "2021-07-30", "2021-07-30", "2022-02-14", "nodejs24.x"),
    ("nodejs12.x", "2023-03-31", "2023-03-31", "2023-04-30", "nodejs24.x"),
    ("nodejs14.x", "2023-12-04", "2024-01-09", "2027-03-03", "nodejs24.x"),
    ("nodejs16.x", "2024-06-12", "2027-02-01", "2027-03-03", "nodejs24.x"),
    ("nodejs18.x", "2025-09-01", "2027-02-01", "2027-03-03", "nodejs24.x"),
    ("nodejs20.x", "2026-04-30", "2027-02-01", "2027-03-03", "nodejs24.x"),
    ("nodejs22.x", "2027-04-30", "2027-06-01", "2027-07-01", "nodejs24.x"),
    ("provided", "2024-01-08", "2024-02-08", "2027-03-03", "provided.al2023"),
    ("provided.al2", "2026-07-31", "2027-02-01", "2027-03-03", "provided.al2023"),
    ("python2.7", "2021-07-15", "2021-07-15", "2022-05-30", "python3.14"),
    ("python3.6", "2022-07-18", "2022-07-18", "2022-08-29", "python3.14"),
    ("python3.7", "2023-12-04", "2024-01-09", "2027-03-03", "python3.14"),
    ("python3.8", "2024-10-14", "2027-02-01", "2027-03-03", "python3.14"),
    ("python3.9", "2025-12-15", "2027-02-01", "2027-03-03", "python3.14"),
    ("python3.10", "2026-10-31", "2027-02-01", "2027-03-03", "python3.14"),
    ("python3.11", "2027-06-30", "2027-07-31", "2027-08-31", "python3.14"),
    ("python3.12", "2028-10-31", "2028-11-30", "2029-01-10", "python3.14"),
    ("ruby2.5", "2021-07-30", "2021-07-30", "2022-03-31", "ruby3.4"),
    ("ruby2.7", "2023-12-07", "2024-01-09", "2027-03-03", "ruby3.4"),
    ("ruby3.2", "2026-03-31", "2027-02-01", "2027-03-03", "ruby3.4"),
    ("ruby3.3", "2027-03-31", "2027-04-30", "2027-05-31", "ruby3.4"),
];

/// Today (UTC) as `YYYY-MM-DD`, the form of the table's dates.
pub fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Why Lambda would refuse `runtime` on `today` (`YYYY-MM-DD`), if it would. dtr cannot know offline
/// whether a function exists, so a runtime Lambda no longer accepts for creating functions is refused
/// even while updates are still taken: a new environment or a replacement would fail half-applied.
pub fn problem(runtime: &str, today: &str) -> Option<String> {
    let (_, deprecated, create_block, update_block, successor) =
        RUNTIME_LIFECYCLE.iter().find(|(id, ..)| *id == runtime)?;
    if today < *create_block {
        return None;
    }
    let updates = if today < *update_block {
        format!("updating them will be blocked from {update_block}")
    } else {
        format!("updating them since {update_block}")
    };
    Some(format!(
        "Lambda no longer accepts runtime `{runtime}` (deprecated {deprecated}): creating functions with it is blocked since {create_block} and {updates}; use {successor}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtimes_are_refused_from_their_create_block_date() {
        assert_eq!(problem("python3.12", "2026-11-25"), None);
        assert_eq!(problem("python3.14", "2026-11-25"), None, "not listed");
        assert_eq!(
            problem("python3.9", "2026-11-25"),
            None,
            "deprecated, but creates are taken until 2027-02-01"
        );
        let p = problem("python3.9", "2027-02-01").expect("blocked from that day");
        assert!(
            p.contains("blocked since 2027-02-01") && p.contains("from 2027-03-03"),
            "{p}"
        );
        let p = problem("python3.7", "2026-11-25").expect("blocked");
        assert!(
            p.contains("`python3.7`") && p.contains("use python3.14"),
            "{p}"
        );
        let p = problem("nodejs12.x", "2026-11-25").expect("blocked");
        assert!(p.contains("updating them since 2023-04-30"), "{p}");
    }

    #[test]
    fn the_lifecycle_table_is_well_formed() {
        for (id, deprecated, create, update, successor) in RUNTIME_LIFECYCLE {
            for date in [deprecated, create, update] {
                assert!(
                    time::Date::parse(
                        date,
                        time::macros::format_description!("[year]-[month]-[day]")
                    )
                    .is_ok(),
                    "{id}: {date}"
                );
            }
            assert!(create <= update, "{id}: updates are blocked after creates");
            assert!(
                problem(successor, "2026-11-25").is_none(),
                "{id}: the successor {successor} is accepted"
            );
        }
        assert_eq!(today().len(), 10);
    }
}

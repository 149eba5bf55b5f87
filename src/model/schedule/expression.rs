//! Schedule expressions as EventBridge Scheduler reads them
//! (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html).

/// Check a schedule expression as EventBridge Scheduler reads it: `rate(value unit)`, `cron(six
/// fields)` or `at(yyyy-mm-ddThh:mm:ss)`. The error completes "`<expression>` ...".
pub fn check_expression(expression: &str) -> Result<(), String> {
    let inner = |prefix: &str| {
        expression
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(')'))
    };
    if let Some(rate) = inner("rate(") {
        check_rate(rate)
    } else if let Some(cron) = inner("cron(") {
        check_cron(cron)
    } else if let Some(at) = inner("at(") {
        let format =
            time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
        time::PrimitiveDateTime::parse(at, format)
            .map(drop)
            .map_err(|_| "is not at(yyyy-mm-ddThh:mm:ss), a date and time".into())
    } else {
        Err("is not a rate(...), cron(...) or at(...) expression".into())
    }
}

fn check_rate(rate: &str) -> Result<(), String> {
    let bad = || "is not rate(<positive whole number> minutes|hours|days)".to_string();
    let (value, unit) = rate.split_once(' ').ok_or_else(bad)?;
    let value: u32 = value.parse().map_err(|_| bad())?;
    if value == 0 || !["minute", "minutes", "hour", "hours", "day", "days"].contains(&unit) {
        return Err(bad());
    }
    Ok(())
}

fn check_cron(cron: &str) -> Result<(), String> {
    let fields: Vec<&str> = cron.split_whitespace().collect();
    let [minutes, hours, day_of_month, month, day_of_week, year] = fields[..] else {
        return Err(format!(
            "has {} cron fields; it needs six: minutes hours day-of-month month day-of-week year",
            fields.len()
        ));
    };
    let allowed: [(&str, &str, &str); 6] = [
        ("minutes", minutes, ",-*/"),
        ("hours", hours, ",-*/"),
        ("day-of-month", day_of_month, ",-*?/LW"),
        ("month", month, ",-*/"),
        ("day-of-week", day_of_week, ",-*?L#"),
        ("year", year, ",-*/"),
    ];
    for (name, field, symbols) in allowed {
        // Month and weekday names (JAN, MON) are letters; every other letter is a symbol listed.
        let names = matches!(name, "month" | "day-of-week");
        let ok = field.chars().all(|c| {
            c.is_ascii_digit() || symbols.contains(c) || (names && c.is_ascii_alphabetic())
        });
        if !ok {
            return Err(format!(
                "has a {name} field `{field}` with characters cron does not allow there"
            ));
        }
    }
    if (day_of_month == "?") == (day_of_week == "?") {
        return Err("must have `?` in exactly one of day-of-month and day-of-week".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_are_checked() {
        for good in [
            "rate(1 minute)",
            "rate(5 minutes)",
            "rate(12 hours)",
            "rate(7 days)",
            "cron(0 8 * * ? *)",
            "cron(0/15 * ? * MON-FRI *)",
            "cron(0 12 L * ? 2030)",
            "at(2030-01-01T00:00:00)",
        ] {
            assert_eq!(check_expression(good), Ok(()), "{good}");
        }
        for bad in [
            "rate(0 minutes)",
            "rate(5 weeks)",
            "rate(five minutes)",
            "rate(5minutes)",
            "cron(0 8 * * *)",
            "cron(0 8 * * * *)",
            "cron(0 8 ? * ? *)",
            "cron(0 8 $ * ? *)",
            "at(2030-13-01T00:00:00)",
            "at(2030-01-01 00:00)",
            "every 5 minutes",
            "rate(5 minutes",
        ] {
            assert!(check_expression(bad).is_err(), "{bad} was accepted");
        }
    }
}

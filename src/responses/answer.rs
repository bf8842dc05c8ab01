//! One answer cell: a value on the scale, `dk`, or empty.

use crate::scoring::{Answer, DONT_KNOW, MISSING};

/// Parses a cell; the error says what is wrong and what is allowed.
#[inline]
pub fn parse_answer(field: &[u8], min: i32, max: i32) -> Result<Answer, String> {
    let v = field.trim_ascii();
    match v {
        [] => return Ok(MISSING),
        [b] if b.is_ascii_digit() => {
            let x = (b - b'0') as i32;
            return if (min..=max).contains(&x) {
                Ok(x as Answer)
            } else {
                Err(out_of_scale(v, min, max))
            };
        }
        _ if v.eq_ignore_ascii_case(b"dk") => return Ok(DONT_KNOW),
        _ => {}
    }
    let text = String::from_utf8_lossy(v);
    match text.parse::<i64>() {
        Ok(x) if (min as i64..=max as i64).contains(&x) => Ok(x as Answer),
        Ok(_) => Err(out_of_scale(v, min, max)),
        Err(_) => Err(format!(
            "not an answer: `{text}`; use a whole number from {min} to {max}, `dk` for don't know, or leave it empty"
        )),
    }
}

fn out_of_scale(v: &[u8], min: i32, max: i32) -> String {
    format!(
        "outside the scale: {} is not in {min}–{max}",
        String::from_utf8_lossy(v)
    )
}

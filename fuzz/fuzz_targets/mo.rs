#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| reproscope_fuzz::open_all("mo", data));

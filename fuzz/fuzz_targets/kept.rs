#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| plexlink_fuzz::kept::run(data));

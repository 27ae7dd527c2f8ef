//! The baseline of `benches/ingest.sh`: a plain single-threaded pass of the `csv` crate over a
//! file that only counts its records (one reused `ByteRecord`, the crate's fastest loop), as a
//! whole process, so it can be timed beside `planscale recommend` on the same file.
//!
//! ```sh
//! cargo run --release --example csv_count -- /tmp/10m.csv
//! ```

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: csv_count FILE");
        std::process::exit(2);
    };
    let mut rdr = match csv::Reader::from_path(&path) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {path}: {e}");
            std::process::exit(2);
        }
    };
    let mut rec = csv::ByteRecord::new();
    let mut n: u64 = 0;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => n += 1,
            Ok(false) => break,
            Err(e) => {
                eprintln!("error: {path}: {e}");
                std::process::exit(2);
            }
        }
    }
    println!("{n}");
}

//! `planscale`: parse, dispatch, exit. Everything else lives in the library.

fn main() -> std::process::ExitCode {
    planscale::cli::main()
}

fn main() -> std::process::ExitCode {
    mailq_tui::main()
}

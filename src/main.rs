fn main() {
    kindling::platform::panic::install();
    leptos::mount::mount_to_body(kindling::App);
    kindling::platform::clock::mark_interactive();
}

// The page's colours before its first paint: the theme a person chose with the header's switch
// (kept in localStorage: a display preference the page must read synchronously, before any
// IndexedDB request could answer), else the system's prefers-color-scheme, followed live.
// `platform::theme` in the UI writes the same key and attribute. Presenter mode (larger type,
// the live charts first) is a display preference of the same kind, applied here for the same
// reason: a demo reloaded in front of a room must not flash the small layout first.
(() => {
  const key = 'kindling-theme';
  const system = matchMedia('(prefers-color-scheme: dark)');
  const chosen = () => {
    try {
      const value = localStorage.getItem(key);
      return value === 'light' || value === 'dark' ? value : null;
    } catch {
      return null;
    }
  };
  const apply = () => {
    document.documentElement.dataset.theme = chosen() ?? (system.matches ? 'dark' : 'light');
  };
  apply();
  system.addEventListener('change', apply);
  try {
    if (localStorage.getItem('kindling-present')) document.documentElement.dataset.present = '';
  } catch {
    // Storage refused (a private window): presenter mode starts off.
  }
})();

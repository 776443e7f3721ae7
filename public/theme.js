// The page's colours before its first paint: the theme a person chose with the header's switch
// (kept in localStorage: a display preference the page must read synchronously, before any
// IndexedDB request could answer), else the system's prefers-color-scheme, followed live.
// `platform::theme` in the UI writes the same key and attribute.
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
})();

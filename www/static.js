// The static page's start (only `gilwall export-page` puts this in index.html, in place of
// app.js): registers the service worker (sw.js) that answers /delay and /features inside the
// browser and adds the cross-origin-isolation headers no static host sends, then starts the page.
//
// The headers only take effect on a page load that went through the worker, so the first visit
// registers it and reloads once. The reload is guarded by sessionStorage: if the page is still
// not cross-origin isolated after it (the browser refuses, or a private window keeps no
// workers), it starts anyway — wasm-threads then says why it is unavailable — rather than
// reloading forever.
globalThis.GILWALL_PAGE_MODE = 'static';

(() => {
  const RELOADED = 'gilwall-static-reloaded';
  const start = (note) => {
    if (note) document.addEventListener('DOMContentLoaded', () => say(note));
    document.addEventListener('DOMContentLoaded', () => say('static page: /delay and /features are answered in this browser by a service worker'));
    import('./app.js').catch((err) => console.error(err));
  };
  const say = (text) => {
    const p = Object.assign(document.createElement('p'), { className: 'note', textContent: text });
    p.dataset.pageMode = 'static';
    document.querySelector('header')?.append(p);
  };
  if (self.crossOriginIsolated && navigator.serviceWorker?.controller) {
    sessionStorage.removeItem(RELOADED);
    start();
    return;
  }
  if (!('serviceWorker' in navigator)) {
    start('this browser gives this page no service worker (it needs https or localhost), so /delay and /features cannot be answered: every fetch will fail');
    return;
  }
  if (sessionStorage.getItem(RELOADED)) {
    sessionStorage.removeItem(RELOADED);
    start(navigator.serviceWorker.controller
      ? 'the service worker could not make this page cross-origin isolated, so wasm-threads is unavailable'
      : 'the service worker did not take control of this page, so /delay and /features will fail; reload to try again');
    return;
  }
  navigator.serviceWorker.register('sw.js', { type: 'module', scope: './' })
    .then(() => navigator.serviceWorker.ready)
    .then(() => {
      sessionStorage.setItem(RELOADED, '1');
      location.reload();
    })
    .catch((err) => start(`the service worker could not start (${err.message}), so /delay and /features will fail`));
})();

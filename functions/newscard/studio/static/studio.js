// Newscard studio: the article JSON and a form kept in sync, previews from the real renderer.
// Plain browser JavaScript, no build step and nothing fetched from outside this server.
'use strict';

(() => {
  const PRESETS = ['og', 'square', 'story'];
  // Short: the server renders only the cards whose inputs changed, so a keystroke is cheap.
  const DEBOUNCE_MS = 60;
  const HEADERS = { 'Content-Type': 'application/json', 'X-Newscard-Studio': '1' };
  const THEME_FIELDS = { THEME_ACCENT: 't-accent', THEME_BACKGROUND: 't-background', THEME_TEXT: 't-text',
    THEME_FONT: 't-font', THEME_LOGO_KEY: 't-logo_key' };

  const $ = (selector) => document.querySelector(selector);
  const source = $('#article');
  const backdrop = $('#backdrop');
  const problemsBox = $('#problems');
  const statusBox = $('#status');
  const fields = [...document.querySelectorAll('#fields [data-path]')];
  const themeForm = $('#theme');

  let session = null;
  let timer = 0;
  let inflight = null;
  let generation = 0;
  let errorLines = new Set();
  let problemsKey = null;
  let lastPage = null;
  let share = null;
  let images = {};
  let downloadUrl = null;
  const shown = {};    // preset -> {digest, url, type} of the card on screen
  const loading = {};  // preset -> AbortController of the fetch in flight
  // Timestamps for tests and curious designers: when each card last finished loading.
  window.studio = { loaded: {}, requests: 0 };

  // --- paths into the article object -------------------------------------------------------
  const pointerOf = (path) => '/' + path.split('.').join('/');

  function getPath(object, path) {
    return path.split('.').reduce((node, key) => (node && typeof node === 'object' ? node[key] : undefined), object);
  }

  function setPath(object, path, value) {
    const keys = path.split('.');
    let node = object;
    for (const key of keys.slice(0, -1)) {
      if (!node[key] || typeof node[key] !== 'object' || Array.isArray(node[key])) node[key] = {};
      node = node[key];
    }
    node[keys[keys.length - 1]] = value;
  }

  // Remove a member and every object left empty above it: an unset card option leaves no `card: {}`.
  function deletePath(object, path) {
    const keys = path.split('.');
    const chain = [object];
    for (const key of keys.slice(0, -1)) {
      const next = chain[chain.length - 1][key];
      if (!next || typeof next !== 'object') return;
      chain.push(next);
    }
    delete chain[chain.length - 1][keys[keys.length - 1]];
    for (let depth = chain.length - 1; depth > 0; depth -= 1) {
      if (Object.keys(chain[depth]).length) break;
      delete chain[depth - 1][keys[depth - 1]];
    }
  }

  function parsed() {
    try {
      const value = JSON.parse(source.value);
      return value && typeof value === 'object' && !Array.isArray(value) ? value : null;
    } catch {
      return null;
    }
  }

  // --- form <-> JSON -------------------------------------------------------------------------
  function fillForm() {
    const article = parsed();
    if (!article) return;
    for (const field of fields) {
      if (field === document.activeElement) continue;
      const value = getPath(article, field.dataset.path);
      field.value = value === undefined || value === null ? ''
        : typeof value === 'object' ? JSON.stringify(value) : String(value);
    }
    updateFocalPicker(article);
  }

  function writeArticle(article) {
    source.value = JSON.stringify(article, null, 2);
    drawBackdrop();
    schedule();
  }

  function applyField(field) {
    const article = parsed();
    if (!article) {
      setStatus('The JSON has a syntax error: fix it in the Article JSON box, then the form applies again.');
      return;
    }
    const path = field.dataset.path;
    const raw = field.value;
    if (raw.trim() === '' && !('required' in field.dataset)) {
      deletePath(article, path);
    } else if ('number' in field.dataset) {
      const number = Number(raw);
      setPath(article, path, Number.isFinite(number) ? number : raw);
    } else {
      setPath(article, path, raw);
    }
    writeArticle(article);
    updateFocalPicker(article);
  }

  // --- talking to the server -----------------------------------------------------------------
  function themeValues() {
    const values = {};
    for (const element of themeForm.querySelectorAll('[name]')) values[element.name] = element.value;
    return values;
  }

  function setStatus(text) {
    if (statusBox.textContent !== text) statusBox.textContent = text;
  }

  function schedule() {
    document.body.dataset.state = 'pending';
    clearTimeout(timer);
    timer = setTimeout(refresh, DEBOUNCE_MS);
  }

  async function refresh() {
    if (inflight) inflight.abort();
    const controller = new AbortController();
    inflight = controller;
    const mine = ++generation;
    window.studio.requests += 1;
    document.body.dataset.state = 'busy';
    let response;
    let data;
    try {
      response = await fetch('/api/preview', {
        method: 'POST', headers: HEADERS, signal: controller.signal,
        body: JSON.stringify({ article: source.value, theme: themeValues() }),
      });
      data = await response.json();
    } catch (error) {
      if (error.name === 'AbortError') return;
      showProblems([{ loc: '/', msg: `the studio server did not answer (${error.message}); is it still running?`, line: null }]);
      document.body.dataset.state = 'invalid';
      return;
    }
    if (mine !== generation) return;
    showEnv(data.env || []);
    const problems = data.problems || [];
    showProblems(problems);
    if (!response.ok || problems.length) {
      markStale(true);
      document.body.dataset.state = 'invalid';
      setStatus(`${problems.length} problem${problems.length === 1 ? '' : 's'}: the cards show the last valid version`);
      return;
    }
    images = data.images || {};
    share = data.share;
    updatePage(data.page);
    updateShare();
    updateFocalPicker(parsed());
    await updateCards(data.cards, mine);
  }

  async function updateCards(cards, mine) {
    const pending = [];
    for (const preset of PRESETS) {
      const card = cards[preset];
      const figure = $(`img[data-preset="${preset}"]`).closest('figure');
      figure.classList.remove('stale');
      $(`img[data-preset="${preset}"]`).alt = `${preset} card: ${share.alt}`;
      if (shown[preset] && shown[preset].digest === card.digest) continue;
      pending.push(loadCard(preset, card));
    }
    setStatus(pending.length ? `Rendering ${pending.length} card${pending.length === 1 ? '' : 's'}…` : 'Up to date');
    const results = await Promise.all(pending);
    if (mine !== generation) return;
    const failed = results.filter((result) => result && result.problems);
    if (failed.length) {
      showProblems(failed.flatMap((result) => result.problems));
      document.body.dataset.state = 'invalid';
      setStatus('A card could not be rendered');
      return;
    }
    document.body.dataset.state = 'idle';
    setStatus('Up to date');
  }

  async function loadCard(preset, card) {
    if (loading[preset]) loading[preset].abort();
    const controller = new AbortController();
    loading[preset] = controller;
    const img = $(`img[data-preset="${preset}"]`);
    const figure = img.closest('figure');
    figure.setAttribute('aria-busy', 'true');
    try {
      const response = await fetch(card.url, { signal: controller.signal });
      if (response.status === 404) return null; // superseded by a newer edit
      if (!response.ok) return await response.json();
      const blob = await response.blob();
      const url = URL.createObjectURL(blob);
      await new Promise((resolve, reject) => {
        img.addEventListener('load', resolve, { once: true });
        img.addEventListener('error', reject, { once: true });
        img.src = url;
      });
      if (controller.signal.aborted) return null;
      if (shown[preset]) URL.revokeObjectURL(shown[preset].url);
      shown[preset] = { digest: card.digest, url, type: blob.type };
      img.dataset.digest = card.digest;
      const link = document.querySelector(`a[data-download="${preset}"]`);
      link.href = url;
      link.download = `${card.download}.${blob.type === 'image/png' ? 'png' : 'jpg'}`;
      if (preset === 'og') for (const shareImg of document.querySelectorAll('.share-img')) shareImg.src = url;
      window.studio.loaded[preset] = performance.now();
      return null;
    } catch (error) {
      if (error.name === 'AbortError' || controller.signal.aborted) return null;
      return { problems: [{ loc: '/', msg: `the ${preset} card did not load (${error.message || 'error'})`, line: null }] };
    } finally {
      if (loading[preset] === controller) {
        figure.removeAttribute('aria-busy');
        delete loading[preset];
      }
    }
  }

  function markStale(stale) {
    for (const figure of document.querySelectorAll('.card')) figure.classList.toggle('stale', stale);
  }

  function updatePage(html) {
    if (html && html !== lastPage) {
      lastPage = html;
      $('#page').srcdoc = html;
    }
  }

  function updateShare() {
    if (!share) return;
    for (const element of document.querySelectorAll('[data-share]')) element.textContent = share[element.dataset.share] || '';
    for (const shareImg of document.querySelectorAll('.share-img')) shareImg.alt = share.alt;
  }

  function showEnv(lines) {
    $('#env').textContent = lines.join('\n');
    $('#env-logo-note').hidden = !lines.some((line) => line.startsWith('THEME_LOGO_KEY='));
  }

  // --- problems ------------------------------------------------------------------------------
  function fieldsFor(loc) {
    if (THEME_FIELDS[loc]) return [document.getElementById(THEME_FIELDS[loc])];
    const exact = fields.filter((field) => loc === pointerOf(field.dataset.path)
      || loc.startsWith(pointerOf(field.dataset.path) + '/'));
    if (exact.length) return exact;
    // A problem with a whole object (`/card: unknown field`) marks the fields that wrote into it.
    return fields.filter((field) => field.value !== '' && pointerOf(field.dataset.path).startsWith(loc + '/'));
  }

  function showProblems(problems) {
    const key = JSON.stringify(problems);
    if (key === problemsKey) return;
    problemsKey = key;
    for (const element of document.querySelectorAll('[aria-invalid]')) {
      element.removeAttribute('aria-invalid');
      element.removeAttribute('aria-errormessage');
    }
    errorLines = new Set(problems.map((problem) => problem.line).filter((line) => line));
    drawBackdrop();
    if (!problems.length) {
      problemsBox.replaceChildren();
      return;
    }
    const list = document.createElement('ul');
    for (const problem of problems) {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = `${problem.loc}: ${problem.msg}`;
      const targets = fieldsFor(problem.loc);
      for (const target of [...targets, ...(problem.line ? [source] : [])]) {
        target.setAttribute('aria-invalid', 'true');
        target.setAttribute('aria-errormessage', 'problems');
      }
      button.addEventListener('click', () => jumpTo(problem, targets));
      item.append(button);
      list.append(item);
    }
    problemsBox.replaceChildren(list);
  }

  function jumpTo(problem, targets) {
    if (problem.line) {
      const lines = source.value.split('\n');
      const start = lines.slice(0, problem.line - 1).reduce((sum, line) => sum + line.length + 1, 0);
      source.focus();
      source.setSelectionRange(start, start + (lines[problem.line - 1] || '').length);
      const mark = backdrop.querySelector(`mark[data-line="${problem.line}"]`);
      if (mark) source.scrollTop = Math.max(0, mark.offsetTop - 40);
    } else if (targets.length) {
      targets[0].focus();
    }
  }

  // The highlighted lines sit in a mirror of the text behind the (transparent) textarea.
  function drawBackdrop() {
    if (!errorLines.size) {
      backdrop.replaceChildren();
      return;
    }
    const parts = [];
    source.value.split('\n').forEach((line, index) => {
      if (errorLines.has(index + 1)) {
        const mark = document.createElement('mark');
        mark.dataset.line = String(index + 1);
        mark.textContent = line || ' ';
        parts.push(mark, '\n');
      } else {
        parts.push(line + '\n');
      }
    });
    backdrop.replaceChildren(...parts, ' ');
    backdrop.scrollTop = source.scrollTop;
  }

  // --- hero: upload and focal point ----------------------------------------------------------
  async function upload(file) {
    if (!file) return null;
    if (session && file.size > session.limits.image) {
      showProblems([{ loc: '/hero/src', msg: `the image is ${(file.size / 1e6).toFixed(1)} MB; the limit is 20 MB`, line: null }]);
      return null;
    }
    setStatus(`Uploading ${file.name}…`);
    const response = await fetch(`/api/upload?name=${encodeURIComponent(file.name)}`, {
      method: 'POST', headers: { 'Content-Type': 'application/octet-stream', 'X-Newscard-Studio': '1' }, body: file,
    });
    const data = await response.json();
    if (!response.ok) {
      const problems = (data.problems || []).map((problem) => ({ ...problem, loc: '/hero/src', line: null }));
      showProblems(problems);
      setStatus('The upload was refused');
      return null;
    }
    return data.src;
  }

  async function setHeroFile(file) {
    const src = await upload(file);
    if (!src) return;
    const article = parsed();
    if (!article) {
      setStatus('Fix the JSON syntax first, then drop the photo again.');
      return;
    }
    article.hero = { ...(article.hero || {}), src };
    writeArticle(article);
    fillForm();
    if (!article.hero.alt) {
      setStatus('Photo added: now describe it in Alt text');
      $('#f-hero-alt').focus();
    }
  }

  function updateFocalPicker(article) {
    const picker = $('#focal-picker');
    const src = article && article.hero && article.hero.src;
    if (!src || !images[src]) {
      picker.hidden = true;
      return;
    }
    picker.hidden = false;
    const img = $('#focal-image');
    if (img.getAttribute('src') !== images[src]) img.src = images[src];
    const point = article.hero.focal_point || {};
    const dot = $('#focal-dot');
    dot.style.left = `${100 * (typeof point.x === 'number' ? point.x : 0.5)}%`;
    dot.style.top = `${100 * (typeof point.y === 'number' ? point.y : 0.5)}%`;
  }

  function setFocal(x, y) {
    const article = parsed();
    if (!article || !article.hero) return;
    const clamp = (value) => Math.round(Math.min(1, Math.max(0, value)) * 100) / 100;
    article.hero.focal_point = { x: clamp(x), y: clamp(y) };
    writeArticle(article);
    fillForm();
  }

  // --- wiring --------------------------------------------------------------------------------
  function wire() {
    source.addEventListener('input', () => {
      drawBackdrop();
      fillForm();
      schedule();
    });
    source.addEventListener('scroll', () => { backdrop.scrollTop = source.scrollTop; });
    for (const field of fields) {
      field.addEventListener(field.tagName === 'SELECT' ? 'change' : 'input', () => applyField(field));
    }
    themeForm.addEventListener('input', schedule);
    themeForm.addEventListener('change', schedule);
    $('#theme-reset').addEventListener('click', () => {
      setTheme(session.theme);
      schedule();
    });
    $('#t-logo-upload').addEventListener('change', async (event) => {
      const src = await upload(event.target.files[0]);
      if (src) {
        $('#t-logo_key').value = src;
        schedule();
      }
    });
    $('#f-upload').addEventListener('change', (event) => setHeroFile(event.target.files[0]));
    const drop = $('#drop');
    const zone = drop.closest('fieldset');
    zone.addEventListener('dragover', (event) => {
      event.preventDefault();
      drop.classList.add('over');
    });
    zone.addEventListener('dragleave', () => drop.classList.remove('over'));
    zone.addEventListener('drop', (event) => {
      event.preventDefault();
      drop.classList.remove('over');
      setHeroFile(event.dataTransfer.files[0]);
    });
    const picker = $('#focal-picker');
    picker.addEventListener('click', (event) => {
      if (event.detail === 0) return; // Enter/Space: the arrow keys move the point instead
      const box = picker.getBoundingClientRect();
      setFocal((event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height);
    });
    picker.addEventListener('keydown', (event) => {
      const steps = { ArrowLeft: [-0.05, 0], ArrowRight: [0.05, 0], ArrowUp: [0, -0.05], ArrowDown: [0, 0.05] };
      if (!steps[event.key]) return;
      event.preventDefault();
      const point = (parsed()?.hero?.focal_point) || { x: 0.5, y: 0.5 };
      setFocal(point.x + steps[event.key][0], point.y + steps[event.key][1]);
    });
    $('#download-article').addEventListener('click', (event) => {
      if (downloadUrl) URL.revokeObjectURL(downloadUrl);
      downloadUrl = URL.createObjectURL(new Blob([source.value], { type: 'application/json' }));
      const article = parsed();
      event.currentTarget.href = downloadUrl;
      event.currentTarget.download = `${(article && article.slug) || 'article'}.json`;
    });
  }

  function setTheme(theme) {
    for (const [name, value] of Object.entries(theme)) {
      const element = themeForm.querySelector(`[name="${name}"]`);
      if (element) element.value = value;
    }
  }

  async function start() {
    wire();
    try {
      session = await (await fetch('/api/session')).json();
    } catch (error) {
      setStatus(`The studio server did not answer (${error.message})`);
      return;
    }
    source.value = session.article;
    setTheme(session.theme);
    showEnv(session.env);
    fillForm();
    await refresh();
  }

  start();
})();

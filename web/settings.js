// Generation and engine settings: read from the settings form, persisted in localStorage.
const STORAGE_KEY = 'webgguf.settings';

export const DEFAULT_SETTINGS = Object.freeze({
  temperature: 0.7, top_k: 40, top_p: 0.95, min_p: 0.05, repeat_penalty: 1.1,
  max_tokens: 256, n_ctx: 1024, threads: 0 /* 0 = automatic */,
  system_prompt: '',
  // A conversation longer than the context drops its oldest turns (the system prompt stays)
  // instead of failing.
  context_shift: true,
});

export function loadSettings(storage = globalThis.localStorage) {
  try {
    return { ...DEFAULT_SETTINGS, ...JSON.parse(storage?.getItem(STORAGE_KEY) ?? '{}') };
  } catch {
    return { ...DEFAULT_SETTINGS };
  }
}

export function saveSettings(settings, storage = globalThis.localStorage) {
  storage?.setItem(STORAGE_KEY, JSON.stringify(settings));
}

/** Puts each setting's value into the form control of the same name. */
export function showSettings(form, settings) {
  for (const [key, value] of Object.entries(settings)) {
    const input = form.elements.namedItem(key);
    if (input?.type === 'checkbox') input.checked = Boolean(value);
    else if (input) input.value = String(value);
  }
}

// Binds each form control named like a setting; calls onChange(settings, name) on edits (name is
// undefined after "Restore defaults").
export function bindSettingsForm(form, settings, onChange) {
  showSettings(form, settings);
  form.addEventListener('input', (event) => {
    const input = event.target;
    if (!(input.name in settings)) return;
    settings[input.name] = input.type === 'checkbox' ? input.checked
      : input.type === 'number' || input.type === 'range' ? Number(input.value) : input.value;
    saveSettings(settings);
    onChange(settings, input.name);
  });
  form.addEventListener('reset', (event) => {
    event.preventDefault();
    Object.assign(settings, DEFAULT_SETTINGS);
    showSettings(form, settings);
    saveSettings(settings);
    onChange(settings, undefined);
  });
}

// Module resolve hook: `electron` resolves to the stand-in beside this file, everything else as usual.
const standIn = new URL('./electron.mjs', import.meta.url).href;
export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: standIn, shortCircuit: true };
  return next(specifier, context);
}

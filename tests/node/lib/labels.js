// Async ids differ between engines: L(id) prints each as a label (#1, #2,
// ... in order of first appearance); 0 and 1 (top level) stay as they are.
const { executionAsyncId, triggerAsyncId } = asyncHooks;
const labels = new Map();
const L = (id) => {
  if (id === 0 || id === 1) return String(id);
  if (!labels.has(id)) labels.set(id, '#' + (labels.size + 1));
  return labels.get(id);
};

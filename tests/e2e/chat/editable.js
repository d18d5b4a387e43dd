// An editor-style chat: the text lives in a contenteditable element; the arrow button sends it.
const editor = document.getElementById('editor');
document.querySelector('button').addEventListener('click', () => {
  const text = editor.textContent.trim();
  if (!text) return;
  post(text);
  editor.textContent = '';
});

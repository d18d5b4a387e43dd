// An editor-style chat: the text lives in a contenteditable element; the arrow button sends it.
const editor = document.getElementById('editor');
document.querySelector('button').addEventListener('click', () => {
  const text = editor.textContent.trim();
  if (!text) return;
  const li = document.createElement('li');
  li.textContent = text;
  document.getElementById('log').append(li);
  editor.textContent = '';
});

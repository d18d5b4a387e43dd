// A chat whose send control has no recognisable name: detection cannot find it, the user picks it.
const box = document.getElementById('box');
document.getElementById('go').addEventListener('click', () => {
  const text = box.value.trim();
  if (!text) return;
  post(text);
  box.value = '';
});

// A chat whose input is controlled by framework-style state, as React and Vue do it: the state
// changes only through input events, every render writes the state back into the input, and the
// Send button is enabled only when the state holds text. Setting the DOM value alone sends nothing.
const state = { draft: '' };
const input = document.createElement('input');
input.type = 'text';
input.placeholder = 'Type a message';
input.setAttribute('aria-label', 'Message');
const button = document.createElement('button');
button.type = 'button';
button.textContent = 'Send';
document.getElementById('app').append(input, button);

function render() {
  input.value = state.draft;
  button.disabled = state.draft.trim() === '';
}
input.addEventListener('input', (event) => {
  state.draft = event.target.value;
  setTimeout(render, 10); // frameworks re-render asynchronously
});
button.addEventListener('click', () => {
  if (!state.draft.trim()) return;
  post(state.draft.trim());
  state.draft = '';
  render();
});
render();

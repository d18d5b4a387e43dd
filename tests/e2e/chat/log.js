// Shared by the test chat pages: posting a message adds it to the page's chat log.
// biome-ignore lint/correctness/noUnusedVariables: called by the chat pages' own scripts
function post(text) {
  const li = document.createElement('li');
  li.textContent = text;
  document.getElementById('log').append(li);
}

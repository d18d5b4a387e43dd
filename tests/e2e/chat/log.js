// Shared by the test chat pages: posting a message adds it to the page's chat log.
function post(text) {
  const li = document.createElement('li');
  li.textContent = text;
  document.getElementById('log').append(li);
}

// A plain chat: the Send button moves the textarea's text into the log.
const message = document.getElementById('message');
document.getElementById('send').addEventListener('click', () => {
  const text = message.value.trim();
  if (!text) return;
  post(text);
  message.value = '';
});

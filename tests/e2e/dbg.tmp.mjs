import { launch, sleep } from './harness.mjs';
const ext = await launch();
await sleep(500);
await ext.close();
const again = await launch({ profile: ext.userDataDir });
await sleep(1500);
console.log(await again.page.evaluate(() => chrome.storage.local.get('probeStartup')));
await again.close();

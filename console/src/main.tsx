import { type ComponentChild, render } from 'preact';
import { App } from './app';
import { loadConfig } from './config';
import { publicPageOwner } from './public-links';
import { PublicPage } from './public-page';
import './styles.css';

const root = document.getElementById('app');
if (root) {
  // The static "Loading…" placeholder goes; Preact renders into an empty element.
  const mount = (node: ComponentChild) => {
    root.replaceChildren();
    render(node, root);
  };
  // `/public/{owner}` is one owner's public page, for anyone; every other path is the console.
  const owner = publicPageOwner(location.pathname);
  loadConfig().then(
    (config) =>
      mount(owner === undefined ? <App config={config} /> : <PublicPage config={config} owner={owner} />),
    (error: unknown) =>
      mount(
        <p role="alert" class="problem">
          <strong>The console could not load its configuration.</strong> {String(error)}
        </p>,
      ),
  );
}

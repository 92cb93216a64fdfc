import { type ComponentChild, render } from 'preact';
import { App } from './app';
import { loadConfig } from './config';
import './styles.css';

const root = document.getElementById('app');
if (root) {
  // The static "Loading…" placeholder goes; Preact renders into an empty element.
  const mount = (node: ComponentChild) => {
    root.replaceChildren();
    render(node, root);
  };
  loadConfig().then(
    (config) => mount(<App config={config} />),
    (error: unknown) =>
      mount(
        <p role="alert" class="problem">
          <strong>The console could not load its configuration.</strong> {String(error)}
        </p>,
      ),
  );
}

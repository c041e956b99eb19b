// "Security keys" on My settings (Features/Dashboard/Pages/_SecurityKeys.cshtml): registers a key with
// navigator.credentials.create() using the server's options (/idp/webauthn/registration/options), posts the answer
// (/idp/webauthn/registration), and removes a key (DELETE /idp/webauthn/credentials/{factorId}). The session cookie
// says who; the server checks everything. A refusal is shown as the server worded it.
(() => {
    'use strict';
    const section = document.getElementById('security-keys');
    if (!section) {
        return;
    }

    const message = section.querySelector('[data-security-key-message]');
    const show = (text) => {
        message.textContent = text;
        message.className = text ? 'alert' : 'alert empty';
    };

    async function call(url, method, body) {
        const response = await fetch(url, {
            method,
            credentials: 'same-origin',
            headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await response.text();
        const data = text ? JSON.parse(text) : null;
        if (!response.ok) {
            const cause = data && data.errorCauses && data.errorCauses[0] && data.errorCauses[0].errorSummary;
            throw new Error(cause || (data && data.errorSummary) || `The server answered ${response.status}`);
        }

        return data;
    }

    const form = section.querySelector('form[data-register-security-key]');
    form.addEventListener('submit', async (event) => {
        event.preventDefault();
        if (!window.PublicKeyCredential || typeof PublicKeyCredential.parseCreationOptionsFromJSON !== 'function') {
            show('This browser cannot register security keys.');
            return;
        }

        const button = form.querySelector('button[type=submit]');
        button.disabled = true;
        show('');
        try {
            const options = await call('/idp/webauthn/registration/options', 'POST', {});
            const credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) });
            await call('/idp/webauthn/registration', 'POST', { credential: credential.toJSON(), name: form.elements.name.value });
            window.location.reload();
        } catch (error) {
            show(error.name === 'NotAllowedError' ? 'The security key was not used, or the browser refused: try again.' : error.message);
            button.disabled = false;
        }
    });

    for (const button of section.querySelectorAll('button[data-remove-security-key]')) {
        button.addEventListener('click', async () => {
            button.disabled = true;
            try {
                await call(`/idp/webauthn/credentials/${encodeURIComponent(button.dataset.removeSecurityKey)}`, 'DELETE');
                window.location.reload();
            } catch (error) {
                show(error.message);
                button.disabled = false;
            }
        });
    }
})();

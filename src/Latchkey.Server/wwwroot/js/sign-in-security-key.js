// The security-key steps of the sign-in page: asks the browser for an assertion over the challenge the sign-in keeps
// (navigator.credentials.get), or, to set up a new key, for a new credential with the creation options the step shows
// (navigator.credentials.create); puts the answer (credential.toJSON()) in the form and submits it; the server checks it.
(() => {
    'use strict';
    const enrolling = document.getElementById('security-key-enroll');
    const form = enrolling || document.getElementById('security-key-sign-in');
    if (!form) {
        return;
    }

    const alert = document.getElementById('alert');
    const show = (text) => {
        alert.textContent = text;
        alert.className = text ? 'alert' : 'alert empty';
    };

    form.addEventListener('submit', async (event) => {
        if (form.elements.credential.value) {
            return;
        }

        event.preventDefault();
        if (!window.PublicKeyCredential || typeof PublicKeyCredential.parseRequestOptionsFromJSON !== 'function'
            || typeof PublicKeyCredential.parseCreationOptionsFromJSON !== 'function') {
            show(enrolling ? 'This browser cannot use security keys. Set up something else.' : 'This browser cannot use security keys. Choose another way to verify.');
            return;
        }

        const button = form.querySelector('button[type=submit]');
        button.disabled = true;
        show('');
        try {
            let credential;
            if (enrolling) {
                const options = PublicKeyCredential.parseCreationOptionsFromJSON(JSON.parse(form.dataset.options));
                credential = await navigator.credentials.create({ publicKey: options });
            } else {
                const ids = form.dataset.credentialIds ? form.dataset.credentialIds.split(',') : [];
                const options = PublicKeyCredential.parseRequestOptionsFromJSON({
                    challenge: form.dataset.challenge,
                    userVerification: form.dataset.userVerification,
                    allowCredentials: ids.map((id) => ({ type: 'public-key', id })),
                    timeout: 120000,
                });
                credential = await navigator.credentials.get({ publicKey: options });
            }

            form.elements.credential.value = JSON.stringify(credential.toJSON());
            form.submit();
        } catch (error) {
            show(error.name === 'NotAllowedError' ? 'The security key was not used, or the browser refused: try again.' : error.message);
            button.disabled = false;
        }
    });
})();

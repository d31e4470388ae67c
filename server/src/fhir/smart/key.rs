//! The clinic's private key that signs Arrive's SMART client assertions: RS384 (an RSA key,
//! PKCS#1 or PKCS#8) or ES384 (an EC P-384 key, PKCS#8), read from a PEM file.

use std::path::Path;

use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, RsaKeyPair, ECDSA_P384_SHA384_FIXED_SIGNING, RSA_PKCS1_SHA384};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::PrivateKeyDer;

use super::SmartError;

pub(super) enum SigningKey {
    Rs384(RsaKeyPair),
    Es384(EcdsaKeyPair),
}

impl SigningKey {
    pub(super) fn alg(&self) -> &'static str {
        match self {
            SigningKey::Rs384(_) => "RS384",
            SigningKey::Es384(_) => "ES384",
        }
    }

    pub(super) fn sign(&self, rng: &SystemRandom, message: &[u8]) -> Result<Vec<u8>, SmartError> {
        match self {
            SigningKey::Rs384(key) => {
                let mut signature = vec![0; key.public().modulus_len()];
                key.sign(&RSA_PKCS1_SHA384, rng, message, &mut signature)
                    .map_err(|_| SmartError::Signing)?;
                Ok(signature)
            }
            // The FIXED form, r ‖ s, is what JWS expects (not DER).
            SigningKey::Es384(key) => Ok(key
                .sign(rng, message)
                .map_err(|_| SmartError::Signing)?
                .as_ref()
                .to_vec()),
        }
    }

    /// The private key in the PEM file at `path`: RSA (PKCS#1 or PKCS#8) or EC P-384 (PKCS#8).
    /// Errors name the file and what is wrong with it, never its content.
    pub(super) fn load(path: &Path, rng: &SystemRandom) -> Result<SigningKey, String> {
        let shown = path.display();
        let pem = std::fs::read(path).map_err(|e| format!("ARRIVE_FHIR_PRIVATE_KEY: cannot read {shown}: {e}"))?;
        let der = PrivateKeyDer::from_pem_slice(&pem).map_err(|_| {
            format!(
                "ARRIVE_FHIR_PRIVATE_KEY: {shown} holds no unencrypted private key in PEM (\"BEGIN PRIVATE KEY\" \
                 or \"BEGIN RSA PRIVATE KEY\")"
            )
        })?;
        match der {
            PrivateKeyDer::Pkcs1(key) => RsaKeyPair::from_der(key.secret_pkcs1_der())
                .map(SigningKey::Rs384)
                .map_err(|e| {
                    format!("ARRIVE_FHIR_PRIVATE_KEY: {shown} is not a usable RSA key ({e}; 2048 bits or more)")
                }),
            PrivateKeyDer::Pkcs8(key) => {
                let der = key.secret_pkcs8_der();
                match RsaKeyPair::from_pkcs8(der) {
                    Ok(key) => return Ok(SigningKey::Rs384(key)),
                    Err(e) if e.to_string() != "WrongAlgorithm" => {
                        return Err(format!(
                            "ARRIVE_FHIR_PRIVATE_KEY: {shown} is not a usable RSA key ({e}; 2048 bits or more)"
                        ))
                    }
                    Err(_) => {}
                }
                EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, der, rng)
                    .map(SigningKey::Es384)
                    .map_err(|_| {
                        format!(
                            "ARRIVE_FHIR_PRIVATE_KEY: {shown} is neither an RSA key nor an EC key on P-384 \
                             (SMART signs with RS384 or ES384)"
                        )
                    })
            }
            PrivateKeyDer::Sec1(_) => Err(format!(
                "ARRIVE_FHIR_PRIVATE_KEY: {shown} is an EC key in SEC1 form (\"BEGIN EC PRIVATE KEY\"); convert it \
                 to PKCS#8: openssl pkcs8 -topk8 -nocrypt -in {shown} -out key.pem"
            )),
            _ => Err(format!(
                "ARRIVE_FHIR_PRIVATE_KEY: {shown} is not an RSA or EC P-384 private key"
            )),
        }
    }
}

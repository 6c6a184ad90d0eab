import type { CheckDefinition } from './types.js';

const KUBEADM_CERTS = {
  title: 'Kubernetes: certificate management with kubeadm',
  url: 'https://kubernetes.io/docs/tasks/administer-cluster/kubeadm/kubeadm-certs/',
};
const PKI_BEST_PRACTICES = {
  title: 'Kubernetes: PKI certificates and requirements',
  url: 'https://kubernetes.io/docs/setup/best-practices/certificates/',
};
const AKS_HYBRID_CERTS = {
  title: 'AKS enabled by Azure Arc: certificates overview',
  url: 'https://learn.microsoft.com/azure/aks/aksarc/certificates-overview',
};
const AKS_HYBRID_UPDATE_CERTS = {
  title: 'AKS on Windows Server: Update-AksHciClusterCertificates',
  url: 'https://learn.microsoft.com/azure/aks/hybrid/reference/ps/update-akshciclustercertificates',
};
const KUBELET_TLS_BOOTSTRAP = {
  title: 'Kubernetes: kubelet TLS bootstrapping and certificate rotation',
  url: 'https://kubernetes.io/docs/reference/access-authn-authz/kubelet-tls-bootstrapping/',
};
const CSR_DOCS = {
  title: 'Kubernetes: certificates and certificate signing requests',
  url: 'https://kubernetes.io/docs/reference/access-authn-authz/certificate-signing-requests/',
};

/** Catalogue entries of the `certificates` area, in display order. */
export const CERTIFICATES_CHECKS: CheckDefinition[] = [
  {
    id: 'cert-expiry',
    title: 'Certificates are not expired or close to expiry (relative to their own lifetime)',
    area: 'certificates',
    defaultSeverity: 'high',
    description:
      "An expired certificate stops the component that presents it: API server, etcd, kubelet, a webhook or an ingress. Thresholds are a share of each certificate's own lifetime (warn below 20 %, fail below 10 % by default), so a one-year kubeadm leaf warns about 73 days ahead while an AKS hybrid four-day leaf with a day left is healthy. Covers PKI files, kubeconfig client certificates, kubelet certificates, certificates served on the API server and kubelet ports, and kubernetes.io/tls secrets.",
    remediation:
      '# kubeadm control plane (one-year leaves):\nkubeadm certs check-expiration\nkubeadm certs renew all && systemctl restart kubelet   # then restart the static pods (move their manifests out and back)\n# AKS hybrid (AksHci PowerShell), kubeconfig and kubelet credentials:\nUpdate-AksHciClusterCertificates -name <cluster> -fixKubeletCredentials\n# kubernetes.io/tls secrets: renew through their issuer (cert-manager: cmctl renew <certificate> -n <ns>)',
    references: [KUBEADM_CERTS, PKI_BEST_PRACTICES, AKS_HYBRID_CERTS],
  },
  {
    id: 'cert-ca-expiry',
    title: 'Certificate authorities are not close to expiry',
    area: 'certificates',
    defaultSeverity: 'critical',
    description:
      'When a CA expires, every certificate it signed stops verifying at once, and replacing a cluster CA is a multi-step rollout (new CA trusted first, then leaves re-issued, then the old CA removed). CAs warn at 20 % of their lifetime left but at most 365 days ahead, and fail at 10 % but at most 90 days ahead, because 20 % of a ten-year root would mean warning for two years.',
    remediation:
      "# kubeadm: plan a CA rotation (manual procedure):\n# https://kubernetes.io/docs/tasks/tls/manual-rotation-of-ca-certificates/\nkubeadm certs check-expiration\n# AKS hybrid roots live ten years and are managed by the platform: open a support case well before expiry.\n# webhook caBundles: re-issue the webhook's CA and patch caBundle (cert-manager cainjector does this automatically).",
    references: [
      {
        title: 'Kubernetes: manual rotation of CA certificates',
        url: 'https://kubernetes.io/docs/tasks/tls/manual-rotation-of-ca-certificates/',
      },
      KUBEADM_CERTS,
    ],
  },
  {
    id: 'cert-outlives-issuer',
    title: 'No certificate outlives the CA that issued it',
    area: 'certificates',
    defaultSeverity: 'medium',
    description:
      "A certificate valid beyond its issuer's expiry silently loses that tail: it stops verifying when the CA expires, while dashboards and renewal tooling that look at its own notAfter plan for a date that never comes. Typical after a CA was renewed late or a leaf was issued with a fixed long duration.",
    remediation:
      "# Renew the CA first (see cert-ca-expiry), then re-issue the leaf so it ends before the CA:\nkubeadm certs renew <name>   # kubeadm caps leaves at the CA expiry\n# other issuers: set the certificate duration shorter than the CA's remaining lifetime",
    references: [PKI_BEST_PRACTICES],
  },
  {
    id: 'cert-chain-invalid',
    title: 'Certificates verify against the CA their peers use',
    area: 'certificates',
    defaultSeverity: 'high',
    description:
      "Each certificate is checked against the CA its peer actually uses, as the flags say: kubeconfig client certificates against the API server's --client-ca-file, the API server's serving certificate (on disk and as served) against the kubeconfigs' CA, the etcd client and server certificates against etcd's and the API server's CA files, the front proxy against --requestheader-client-ca-file, the kubelet pair against each other's CA. Any other certificate that names a CA present in the evidence must be signed by that CA's key. A CA regenerated without re-issuing its leaves, or a file copied from another cluster, fails here before the next restart breaks the cluster.",
    remediation:
      '# See which CA signed a certificate:\nopenssl verify -CAfile /etc/kubernetes/pki/ca.crt /etc/kubernetes/pki/apiserver.crt\n# kubeadm: re-issue leaves from the current CA\nkubeadm certs renew all\n# kubeconfigs: regenerate them (kubeadm init phase kubeconfig all) or on AKS hybrid: Get-AksHciCredential -name <cluster>',
    references: [PKI_BEST_PRACTICES, KUBEADM_CERTS],
  },
  {
    id: 'cert-weak-key',
    title: 'Certificates use strong keys (RSA 2048 or more, EC P-256 or more)',
    area: 'certificates',
    defaultSeverity: 'high',
    description:
      "RSA keys below 2048 bits and small elliptic curves are within reach of well-funded attackers and are disallowed by NIST SP 800-131A and the CIS benchmark's strong-cipher guidance; DSA is withdrawn. A weak key on a CA or the API server lets an attacker impersonate it.",
    remediation:
      '# Re-issue the certificate with a new key:\nkubeadm certs renew <name>   # kubeadm generates RSA 2048 (or ECDSA P-256 with encryptionAlgorithm: ECDSA-P256)\n# other issuers: openssl req -new -newkey rsa:2048 ... or set privateKey.size: 2048 in the cert-manager Certificate',
    references: [
      {
        title: 'NIST SP 800-131A Rev. 2: transitioning cryptographic algorithms and key lengths',
        url: 'https://csrc.nist.gov/pubs/sp/800/131/a/r2/final',
      },
      PKI_BEST_PRACTICES,
    ],
  },
  {
    id: 'cert-sha1-signature',
    title: 'No certificate is signed with SHA-1 or MD5',
    area: 'certificates',
    defaultSeverity: 'high',
    description:
      "SHA-1 collisions are practical (SHAttered, 2017), and Go, which Kubernetes and its clients are written in, rejects SHA-1 signed certificates since Go 1.18, so such a certificate is both forgeable and likely to break clients after an upgrade. A self-signed root's own signature is not relied on by verifiers, so it is reported but passes.",
    remediation:
      '# Re-issue with SHA-256:\nopenssl x509 -in <cert> -noout -text | grep "Signature Algorithm"\nkubeadm certs renew <name>   # kubeadm signs with SHA-256\n# other issuers: openssl ... -sha256, or re-issue through cert-manager',
    references: [
      {
        title: 'Go 1.18 release notes: crypto/x509 rejects SHA-1 signatures',
        url: 'https://go.dev/doc/go1.18#sha1',
      },
    ],
  },
  {
    id: 'cert-key-mismatch',
    title: 'Each certificate matches its private key',
    area: 'certificates',
    defaultSeverity: 'high',
    description:
      'A certificate whose key file holds a different key (a half-finished renewal, files copied from another node) makes the component fail at its next restart, long after the change that caused it. Pairs come from the component flags (--tls-cert-file/--tls-private-key-file and friends), the kubelet configuration, kubeconfigs and same-name files (x.crt/x.key). Compared by the SHA-256 of the public key; the private key never leaves the host.',
    remediation:
      '# Compare the public keys:\nopenssl x509 -in <cert> -noout -pubkey | openssl sha256\nopenssl pkey -in <key> -pubout | openssl sha256\n# then re-issue the pair together: kubeadm certs renew <name>',
    references: [KUBEADM_CERTS],
  },
  {
    id: 'cert-key-file-permissions',
    title: 'Private key files are readable by their owner only (0600)',
    area: 'certificates',
    defaultSeverity: 'high',
    description:
      'A private key (or a kubeconfig embedding one) readable by group or others lets any local account, or any container with a hostPath mount, impersonate the component or the administrator. kubeadm writes keys 0600; CIS asks for 600 or more restrictive on the PKI key files.',
    remediation:
      'chmod 600 /etc/kubernetes/pki/*.key /etc/kubernetes/pki/etcd/*.key /etc/kubernetes/*.conf /var/lib/kubelet/pki/*.key\nchown root:root /etc/kubernetes/pki/*.key',
    references: [
      {
        title:
          'CIS Kubernetes Benchmark 1.1.21: Ensure that the Kubernetes PKI key file permissions are set to 600',
        cis: '1.1.21',
      },
    ],
    appliesTo: { platforms: ['aks-hci', 'arc', 'other'] },
  },
  {
    id: 'kubelet-cert-rotation',
    title: 'The kubelet renews its client and serving certificates',
    area: 'certificates',
    defaultSeverity: 'high',
    description:
      'With rotateCertificates: false the kubelet never renews its client certificate and the node goes NotReady when it expires (unset means on). Without serverTLSBootstrap: true the kubelet serves a self-signed kubelet.crt that nothing renews and that the API server cannot verify; AKS hybrid does not renew the kubelet serving certificate either, so its expiry needs a real alert.',
    remediation:
      '# /var/lib/kubelet/config.yaml\nrotateCertificates: true\nserverTLSBootstrap: true   # needs an approver for kubernetes.io/kubelet-serving CSRs\n# then: systemctl restart kubelet; kubectl get csr; kubectl certificate approve <csr>\n# AKS hybrid (AksHci PowerShell): Update-AksHciClusterCertificates -name <cluster> -fixKubeletCredentials',
    references: [
      {
        title:
          'CIS Kubernetes Benchmark 4.2.11: Ensure that the --rotate-certificates argument is not set to false',
        cis: '4.2.11',
      },
      {
        title:
          'CIS Kubernetes Benchmark 4.2.12: Verify that the RotateKubeletServerCertificate argument is set to true',
        cis: '4.2.12',
      },
      KUBELET_TLS_BOOTSTRAP,
    ],
    appliesTo: { platforms: ['aks-hci', 'arc', 'other'] },
  },
  {
    id: 'csr-pending-or-denied',
    title: 'No certificate signing request left pending or denied',
    area: 'certificates',
    defaultSeverity: 'medium',
    description:
      'A CSR pending for more than an hour means something (usually a kubelet) is waiting for a certificate nobody approves: kubelet serving CSRs are never auto-approved, so with serverTLSBootstrap and no approver, kubectl logs and exec break when the old certificate expires. A denied or failed CSR means a request was refused and its requester may keep failing; an approved one without a certificate means nothing signs for its signer.',
    remediation:
      'kubectl get csr\nkubectl describe csr <name>     # check the requester and the SANs first\nkubectl certificate approve <name>   # or deny it; install an approver for kubelet-serving CSRs (e.g. kubelet-csr-approver)',
    references: [CSR_DOCS, KUBELET_TLS_BOOTSTRAP],
  },
  {
    id: 'cert-rotation-overdue',
    title: 'Automatic certificate rotation is actually happening',
    area: 'certificates',
    defaultSeverity: 'high',
    description:
      "Certificates that automation renews (AKS hybrid's four-day leaves, kubelet certificates, cert-manager secrets) are renewed with 30-10 % of their lifetime left. One still unchanged with less than 10 % left means the rotation is broken and an outage is hours or days away. The agent remembers serials and validity per certificate identity across scans, so it also catches renewals that only happened after the previous certificate expired, and a server still presenting the old certificate after the file on disk was renewed.",
    remediation:
      '# kubelet: journalctl -u kubelet | grep -i certificate ; kubectl get csr\n# static pods keep the certificate they started with: after kubeadm certs renew, restart them\n#   (mv /etc/kubernetes/manifests/kube-apiserver.yaml /tmp/ && sleep 20 && mv /tmp/kube-apiserver.yaml /etc/kubernetes/manifests/)\n# AKS hybrid (AksHci PowerShell): Update-AksHciClusterCertificates -name <cluster> -fixKubeletCredentials\n# cert-manager: kubectl describe certificate -n <ns> <name>',
    references: [KUBELET_TLS_BOOTSTRAP, AKS_HYBRID_CERTS, KUBEADM_CERTS],
  },
  {
    id: 'aks-hci-offline-certificates',
    title: 'AKS hybrid cluster did not come back from a long power-off with expired certificates',
    area: 'certificates',
    defaultSeverity: 'high',
    appliesTo: { platforms: ['aks-hci'] },
    description:
      "AKS hybrid renews its four-day certificates only while the cluster runs. Powered off for more than four days, a cluster comes back with expired certificates; after more than 30 days the MOC layer's certificates have expired too. AKS on Azure Stack HCI / Windows Server (AksHci PowerShell) has documented repair cmdlets; AKS on Azure Local (AKS Arc) clusters disconnected for more than 30 days must be redeployed.",
    remediation:
      '# AKS on Azure Stack HCI / Windows Server (AksHci PowerShell module):\n#   off more than 4 days:\nUpdate-AksHciClusterCertificates -name <cluster> -fixKubeletCredentials\n#   off more than 30 days (MOC too), in this order:\nUpdate-AksHciCertificates\nUpdate-AksHciClusterCertificates -name <cluster> -fixKubeletCredentials\nUpdate-AksHciClusterCertificates -name <cluster> -fixCloudCredentials\n# AKS on Azure Local (AKS Arc, az aksarc): disconnected more than 30 days = redeploy (az aksarc delete / az aksarc create)',
    references: [AKS_HYBRID_UPDATE_CERTS, AKS_HYBRID_CERTS],
  },
];

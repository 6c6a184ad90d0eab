/** The Calico and Kubernetes NetworkPolicy engine. */
export {};

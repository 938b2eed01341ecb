package v1alpha1

// Package is Zarf's ZarfPackage: the top of a zarf.yaml.
type Package struct {
	APIVersion    string                `json:"apiVersion,omitempty"`
	Kind          string                `json:"kind"`
	Metadata      Metadata              `json:"metadata,omitempty"`
	Build         BuildData             `json:"build,omitempty"`
	Components    []Component           `json:"components"`
	Constants     []Constant            `json:"constants,omitempty"`
	Variables     []InteractiveVariable `json:"variables,omitempty"`
	Values        Values                `json:"values,omitempty"`
	Documentation map[string]string     `json:"documentation,omitempty"`
}

// Metadata is ZarfMetadata.
type Metadata struct {
	Name                   string            `json:"name"`
	Description            string            `json:"description,omitempty"`
	Version                string            `json:"version,omitempty"`
	URL                    string            `json:"url,omitempty"`
	Image                  string            `json:"image,omitempty"`
	Uncompressed           bool              `json:"uncompressed,omitempty"`
	Architecture           string            `json:"architecture,omitempty"`
	YOLO                   bool              `json:"yolo,omitempty"`
	Authors                string            `json:"authors,omitempty"`
	Documentation          string            `json:"documentation,omitempty"`
	Source                 string            `json:"source,omitempty"`
	Vendor                 string            `json:"vendor,omitempty"`
	AggregateChecksum      string            `json:"aggregateChecksum,omitempty"`
	Annotations            map[string]string `json:"annotations,omitempty"`
	AllowNamespaceOverride *bool             `json:"allowNamespaceOverride,omitempty"`
}

// BuildData is ZarfBuildData. Architecture, timestamp and version have no
// omitempty: a skeleton source's config still carries them as "".
type BuildData struct {
	Terminal                   string               `json:"terminal,omitempty"`
	User                       string               `json:"user,omitempty"`
	Architecture               string               `json:"architecture"`
	Timestamp                  string               `json:"timestamp"`
	Version                    string               `json:"version"`
	Migrations                 []string             `json:"migrations,omitempty"`
	RegistryOverrides          map[string]string    `json:"registryOverrides,omitempty"`
	Differential               bool                 `json:"differential,omitempty"`
	DifferentialPackageVersion string               `json:"differentialPackageVersion,omitempty"`
	DifferentialMissing        []string             `json:"differentialMissing,omitempty"`
	Flavor                     string               `json:"flavor,omitempty"`
	Signed                     *bool                `json:"signed,omitempty"`
	VersionRequirements        []VersionRequirement `json:"versionRequirements,omitempty"`
	ProvenanceFiles            []string             `json:"provenanceFiles,omitempty"`
}

// VersionRequirement is a minimum Zarf version and why.
type VersionRequirement struct {
	Version string `json:"version"`
	Reason  string `json:"reason,omitempty"`
}

// Values is ZarfValues: package-level values files.
type Values struct {
	Files  []string `json:"files,omitempty"`
	Schema string   `json:"schema,omitempty"`
}

// Variable is a variable set programmatically.
type Variable struct {
	Name       string `json:"name"`
	Sensitive  bool   `json:"sensitive,omitempty"`
	AutoIndent bool   `json:"autoIndent,omitempty"`
	Pattern    string `json:"pattern,omitempty"`
	Type       string `json:"type,omitempty"`
}

// InteractiveVariable is a variable the user may be prompted for. The
// embedded Variable's fields are inlined first, as Zarf's are.
type InteractiveVariable struct {
	Variable    `json:",inline"`
	Description string `json:"description,omitempty"`
	Default     string `json:"default,omitempty"`
	Prompt      bool   `json:"prompt,omitempty"`
}

// Constant is a package constant.
type Constant struct {
	Name        string `json:"name"`
	Value       string `json:"value"`
	Description string `json:"description,omitempty"`
	AutoIndent  bool   `json:"autoIndent,omitempty"`
	Pattern     string `json:"pattern,omitempty"`
}

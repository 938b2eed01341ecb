package v1alpha1

// Component is ZarfComponent.
type Component struct {
	Name              string                          `json:"name"`
	Description       string                          `json:"description,omitempty"`
	Default           bool                            `json:"default,omitempty"`
	Required          *bool                           `json:"required,omitempty"`
	Only              OnlyTarget                      `json:"only,omitempty"`
	DeprecatedGroup   string                          `json:"group,omitempty"`
	Import            Import                          `json:"import,omitempty"`
	Manifests         []Manifest                      `json:"manifests,omitempty"`
	Charts            []Chart                         `json:"charts,omitempty"`
	DataInjections    []DataInjection                 `json:"dataInjections,omitempty"`
	Files             []File                          `json:"files,omitempty"`
	Images            []string                        `json:"images,omitempty"`
	ImageArchives     []ImageArchive                  `json:"imageArchives,omitempty"`
	Repos             []string                        `json:"repos,omitempty"`
	DeprecatedScripts DeprecatedScripts               `json:"scripts,omitempty"`
	Actions           Actions                         `json:"actions,omitempty"`
	HealthChecks      []NamespacedObjectKindReference `json:"healthChecks,omitempty"`
	StateAccess       []string                        `json:"stateAccess,omitempty"`
}

// ImageArchive is a tar of an OCI layout and the images taken from it.
type ImageArchive struct {
	Path   string   `json:"path"`
	Images []string `json:"images"`
}

// NamespacedObjectKindReference names a resource to health-check.
type NamespacedObjectKindReference struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
}

// OnlyTarget filters a component by OS, cluster and flavor.
type OnlyTarget struct {
	LocalOS string      `json:"localOS,omitempty"`
	Cluster OnlyCluster `json:"cluster,omitempty"`
	Flavor  string      `json:"flavor,omitempty"`
}

// OnlyCluster filters a component by cluster architecture and distro.
type OnlyCluster struct {
	Architecture string   `json:"architecture,omitempty"`
	Distros      []string `json:"distros,omitempty"`
}

// File is a file or folder placed on disk at deploy.
type File struct {
	Source      string   `json:"source"`
	Shasum      string   `json:"shasum,omitempty"`
	Target      string   `json:"target"`
	Executable  bool     `json:"executable,omitempty"`
	Symlinks    []string `json:"symlinks,omitempty"`
	ExtractPath string   `json:"extractPath,omitempty"`
	Template    *bool    `json:"template,omitempty"`
}

// Chart is a Helm chart.
type Chart struct {
	Name                 string          `json:"name"`
	Version              string          `json:"version,omitempty"`
	URL                  string          `json:"url,omitempty"`
	RepoName             string          `json:"repoName,omitempty"`
	GitPath              string          `json:"gitPath,omitempty"`
	LocalPath            string          `json:"localPath,omitempty"`
	Namespace            string          `json:"namespace,omitempty"`
	ReleaseName          string          `json:"releaseName,omitempty"`
	NoWait               bool            `json:"noWait,omitempty"`
	ValuesFiles          []string        `json:"valuesFiles,omitempty"`
	TemplatedValuesFiles []string        `json:"templatedValuesFiles,omitempty"`
	Variables            []ChartVariable `json:"variables,omitempty"`
	Values               []ChartValue    `json:"values,omitempty"`
	SchemaValidation     *bool           `json:"schemaValidation,omitempty"`
	ServerSideApply      string          `json:"serverSideApply,omitempty"`
}

// ChartVariable maps a Zarf variable to a chart value path.
type ChartVariable struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Path        string `json:"path"`
}

// ChartValue maps a package value to a chart value path.
type ChartValue struct {
	SourcePath   string   `json:"sourcePath"`
	TargetPath   string   `json:"targetPath"`
	ExcludePaths []string `json:"excludePaths,omitempty"`
}

// Manifest is a set of Kubernetes manifests or kustomizations.
type Manifest struct {
	Name                       string   `json:"name"`
	Namespace                  string   `json:"namespace,omitempty"`
	Files                      []string `json:"files,omitempty"`
	KustomizeAllowAnyDirectory bool     `json:"kustomizeAllowAnyDirectory,omitempty"`
	Kustomizations             []string `json:"kustomizations,omitempty"`
	EnableKustomizePlugins     bool     `json:"enableKustomizePlugins,omitempty"`
	NoWait                     bool     `json:"noWait,omitempty"`
	ServerSideApply            string   `json:"serverSideApply,omitempty"`
	Template                   *bool    `json:"template,omitempty"`
}

// DeprecatedScripts is the scripts block that actions replaced.
type DeprecatedScripts struct {
	ShowOutput     bool     `json:"showOutput,omitempty"`
	TimeoutSeconds int      `json:"timeoutSeconds,omitempty"`
	Retry          bool     `json:"retry,omitempty"`
	Prepare        []string `json:"prepare,omitempty"`
	Before         []string `json:"before,omitempty"`
	After          []string `json:"after,omitempty"`
}

// Actions are the commands run at each stage of a component's life.
type Actions struct {
	OnCreate ActionSet `json:"onCreate,omitempty"`
	OnDeploy ActionSet `json:"onDeploy,omitempty"`
	OnRemove ActionSet `json:"onRemove,omitempty"`
}

// ActionSet is the actions of one stage.
type ActionSet struct {
	Defaults  ActionDefaults `json:"defaults,omitempty"`
	Before    []Action       `json:"before,omitempty"`
	After     []Action       `json:"after,omitempty"`
	OnSuccess []Action       `json:"onSuccess,omitempty"`
	OnFailure []Action       `json:"onFailure,omitempty"`
}

// ActionDefaults apply to every action of a set.
type ActionDefaults struct {
	Mute            bool     `json:"mute,omitempty"`
	MaxTotalSeconds int      `json:"maxTotalSeconds,omitempty"`
	MaxRetries      int      `json:"maxRetries,omitempty"`
	Dir             string   `json:"dir,omitempty"`
	Env             []string `json:"env,omitempty"`
	Shell           Shell    `json:"shell,omitempty"`
}

// Action is one command or wait.
type Action struct {
	Mute                  *bool       `json:"mute,omitempty"`
	MaxTotalSeconds       *int        `json:"maxTotalSeconds,omitempty"`
	MaxRetries            *int        `json:"maxRetries,omitempty"`
	Dir                   *string     `json:"dir,omitempty"`
	Env                   []string    `json:"env,omitempty"`
	Cmd                   string      `json:"cmd,omitempty"`
	Shell                 *Shell      `json:"shell,omitempty"`
	DeprecatedSetVariable string      `json:"setVariable,omitempty"`
	SetVariables          []Variable  `json:"setVariables,omitempty"`
	SetValues             []SetValue  `json:"setValues,omitempty"`
	Description           string      `json:"description,omitempty"`
	Wait                  *ActionWait `json:"wait,omitempty"`
	Template              *bool       `json:"template,omitempty"`
}

// SetValue sets a package value from an action's output. Value is any
// YAML; json.Number keeps integers exact through the round trip.
type SetValue struct {
	Key   string `json:"key,omitempty"`
	Value any    `json:"value,omitempty"`
	Type  string `json:"type,omitempty"`
}

// ActionWait waits for a cluster resource or a network endpoint.
type ActionWait struct {
	Cluster *WaitCluster `json:"cluster,omitempty"`
	Network *WaitNetwork `json:"network,omitempty"`
}

// WaitCluster waits for a resource's condition.
type WaitCluster struct {
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
	Condition string `json:"condition,omitempty"`
}

// WaitNetwork waits for an endpoint to answer.
type WaitNetwork struct {
	Protocol string `json:"protocol"`
	Address  string `json:"address"`
	Code     int    `json:"code,omitempty"`
}

// ContainerTarget is where a data injection lands.
type ContainerTarget struct {
	Namespace string `json:"namespace"`
	Selector  string `json:"selector"`
	Container string `json:"container"`
	Path      string `json:"path"`
}

// DataInjection copies data into a running container.
type DataInjection struct {
	Source   string          `json:"source"`
	Target   ContainerTarget `json:"target"`
	Compress bool            `json:"compress,omitempty"`
}

// Import takes a component from another package, by path or oci:// URL.
type Import struct {
	Name string `json:"name,omitempty"`
	Path string `json:"path,omitempty"`
	URL  string `json:"url,omitempty"`
}

// Shell picks the shell per OS.
type Shell struct {
	Windows string `json:"windows,omitempty"`
	Linux   string `json:"linux,omitempty"`
	Darwin  string `json:"darwin,omitempty"`
}
